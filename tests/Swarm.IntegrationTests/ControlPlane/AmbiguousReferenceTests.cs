using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>A command names a service as the control API does: an id prefix that matches several services is refused as such.</summary>
public sealed class AmbiguousReferenceTests
{
    /// <summary>Two create command ids whose services' (derived) ids start with the same hex digit.</summary>
    private static (Guid First, Guid Second, string Prefix) CommandIdsSharingAPrefix()
    {
        var seen = new Dictionary<char, Guid>();
        while (true)
        {
            var commandId = Guid.NewGuid();
            var digit = TaskIds.Derive($"service:{commandId:N}").ToString("N")[0];
            if (seen.TryGetValue(digit, out var first))
            {
                return (first, commandId, digit.ToString());
            }

            seen[digit] = commandId;
        }
    }

    [SkippableFact]
    public async Task An_update_or_remove_naming_an_ambiguous_prefix_is_refused_as_ambiguous_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var (first, second, prefix) = CommandIdsSharingAPrefix();
        await managers.AcceptedAsync(new CreateService { CommandId = first, Spec = new ServiceSpec { Name = "one", Replicas = 0, Command = ["sleep", "60"] } });
        await managers.AcceptedAsync(new CreateService { CommandId = second, Spec = new ServiceSpec { Name = "two", Replicas = 0, Command = ["sleep", "60"] } });
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var before = await managers.EventCountAsync();

        var update = await managers.SendAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = prefix, Replicas = 2 });
        var remove = await managers.SendAsync(new RemoveService { CommandId = Guid.NewGuid(), Service = prefix });

        var expected = $"'{prefix}' is ambiguous: it matches 2 services; give more of the id";
        Assert.True(update.Is(out Response<CommandRejected>? u), "the update was accepted");
        Assert.Equal(("invalid", "service", expected), (u!.Message.Code, u.Message.Field, u.Message.Reason));
        Assert.True(remove.Is(out Response<CommandRejected>? r), "the remove was accepted");
        Assert.Equal(("invalid", "service", expected), (r!.Message.Code, r.Message.Field, r.Message.Reason));
        Assert.Equal(before, await managers.EventCountAsync());
    }
}
