using Marten;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>The relay delivers at least once: every consumer must shrug off repeated and late events.</summary>
public sealed class AtLeastOnceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Replaying_every_event_of_a_scenario_twice_changes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back" } });
        var spec = new ServiceSpec
        {
            Name = "web",
            Replicas = 6,
            Command = ["sleep", "3600"],
            RestartPolicy = new RestartPolicySpec { Condition = "on-failure", DelaySeconds = 0 },
            Networks = [new NetworkAttachmentSpec { Target = "back" }],
            Ports = [new PortSpec { TargetPort = 80 }],
        };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State == TaskState.Assigned), Timeout, "6 assigned");
        await managers.RunAssignedAsync();

        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 3 });
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count(x => x.DesiredState == DesiredState.Remove) == 3, Timeout, "3 removed");
        await managers.RunAssignedAsync();
        var victim = (await managers.TasksAsync(serviceId)).First(t => t.DesiredState == DesiredState.Running);
        await managers.ReportAsync([victim], TaskState.Failed, exitCode: 1);
        await Eventually.WaitAsync(
            () => managers.TasksAsync(serviceId),
            t => t.Any(x => x.Slot == victim.Slot && x.Attempt == victim.Attempt + 1 && x.State >= TaskState.Assigned),
            Timeout,
            "the failed task replaced in its slot");
        await managers.RunAssignedAsync();
        await managers.SettleAsync(TimeSpan.FromSeconds(3), Timeout);

        var before = await SnapshotAsync(managers);
        var eventsBefore = await managers.EventCountAsync();

        IReadOnlyList<JasperFx.Events.IEvent> log;
        await using (var query = managers.Store.QuerySession())
        {
            log = await query.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        }

        // the way the relay publishes them (the busiest task events in batches), twice
        for (var round = 0; round < 2; round++)
        {
            await EventRelay.PublishPageAsync(managers.Bus, log, CancellationToken.None);
        }

        await managers.SettleAsync(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(60));
        Assert.Equal(eventsBefore, await managers.EventCountAsync());
        Assert.Equal(before, await SnapshotAsync(managers));

        var tasks = await managers.TasksAsync(serviceId);
        Assert.Equal(3, tasks.Count(t => t.DesiredState == DesiredState.Running));
        Assert.Equal(tasks.Count, tasks.Select(t => (t.Slot, t.Attempt)).Distinct().Count());
    }

    [SkippableFact]
    public async Task Addresses_stay_unique_across_allocator_restarts()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back", Subnet = "10.20.0.0/24" } });
        var first = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "one", Replicas = 5, Command = ["sleep", "1"], Networks = [new NetworkAttachmentSpec { Target = "back" }] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(first), t => t.Count == 5 && t.All(x => x.Address is not null), Timeout, "5 allocated");

        await managers.StopAsync("allocator");
        var second = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = new ServiceSpec { Name = "two", Replicas = 5, Command = ["sleep", "1"], Networks = [new NetworkAttachmentSpec { Target = "back" }] } })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(second), t => t.Count == 5, Timeout, "5 created while the allocator is down");
        Assert.All(await managers.TasksAsync(second), t => Assert.Null(t.Address));

        await managers.StartAsync("allocator");
        var all = await Eventually.WaitAsync(() => managers.TasksAsync(), t => t.Count == 10 && t.All(x => x.Address is not null), Timeout, "10 allocated");
        Assert.Equal(10, all.Select(t => t.Address).Distinct().Count());
        Assert.All(all, t => Assert.StartsWith("10.20.0.", t.Address));

        // one lease per task address, one per service VIP: none of them shared
        var leases = await managers.LeasesAsync();
        Assert.Equal(10, leases.Count(l => l.Kind == Swarm.EventStore.Allocation.LeaseKinds.Task));
        Assert.Equal(12, leases.Select(l => l.Address).Distinct().Count());
        Assert.Empty(all.Select(t => t.Address).Intersect(leases.Where(l => l.Kind == Swarm.EventStore.Allocation.LeaseKinds.VirtualIp).Select(l => l.Address)));
    }

    private static async Task<string> SnapshotAsync(Managers managers)
    {
        var tasks = await managers.TasksAsync();
        var leases = await managers.LeasesAsync();
        var lines = tasks.OrderBy(t => t.Id).Select(t => $"{t.Id} slot={t.Slot}/{t.Attempt} {t.State} {t.DesiredState} node={t.NodeId} ip={t.Address}")
            .Concat(leases.OrderBy(l => l.Id, StringComparer.Ordinal).Select(l => $"{l.Id}={l.HolderId}"));
        return string.Join("\n", lines);
    }
}
