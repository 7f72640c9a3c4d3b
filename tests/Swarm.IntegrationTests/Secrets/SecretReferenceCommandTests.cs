using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.EventStore.Secrets;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Secrets;

/// <summary>
/// The orchestrator checks, as the control API does, that the secrets and configs a service names exist: a command
/// published on the bus by any AMQP client is held to the same rule. Changing a service's secret replaces its tasks.
/// </summary>
public sealed class SecretReferenceCommandTests
{
    private static readonly ServiceSpec Db = new() { Name = "db", Replicas = 1, Command = ["sleep", "60"] };

    [SkippableFact]
    public async Task A_create_naming_a_missing_secret_is_rejected_not_found_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var secrets = new SecretStore(managers.Store, KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()));
        await secrets.CreateAsync(SecretStore.SecretKind, "present", null, "x"u8.ToArray());
        var before = await managers.EventCountAsync();

        var response = await managers.SendAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Db with { Secrets = [new() { Source = "present" }, new() { Source = "absent" }] } });

        Assert.True(response.Is(out Response<CommandRejected>? rejected), "the command was accepted");
        Assert.Equal(("not-found", "spec.secrets[1].source"), (rejected!.Message.Code, rejected.Message.Field));
        Assert.Equal(before, await managers.EventCountAsync());

        await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Db with { Secrets = [new() { Source = "present" }] } });
    }

    [SkippableFact]
    public async Task An_update_to_another_secret_needs_it_to_exist_and_replaces_the_tasks()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var secrets = new SecretStore(managers.Store, KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()));
        var v1 = await secrets.CreateAsync(SecretStore.SecretKind, "pw-v1", null, "one"u8.ToArray());
        var created = await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Db with { Secrets = [new() { Source = "pw-v1", Target = "pw" }] } });
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var first = (await managers.TasksAsync(created.Id)).Single();

        var v2 = Db with { Secrets = [new() { Source = "pw-v2", Target = "pw" }] };
        var refused = await managers.SendAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "db", Spec = v2 });
        Assert.True(refused.Is(out Response<CommandRejected>? rejected), "the update was accepted");
        Assert.Equal(("not-found", "spec.secrets[0].source"), (rejected!.Message.Code, rejected.Message.Field));

        await secrets.CreateAsync(SecretStore.SecretKind, "pw-v2", null, "two"u8.ToArray());
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "db", Spec = v2 });
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));

        var tasks = await managers.TasksAsync(created.Id);
        Assert.Contains(tasks, t => t.Id != first.Id && t.Spec.Secrets![0].Source == "pw-v2");
        Assert.Equal(Swarm.Contracts.Model.DesiredState.Shutdown, tasks.Single(t => t.Id == first.Id).DesiredState);

        // and the old secret, used by no service now, can be removed
        Assert.Empty(await secrets.RemoveAsync(SecretStore.SecretKind, v1, "pw-v1"));
    }
}
