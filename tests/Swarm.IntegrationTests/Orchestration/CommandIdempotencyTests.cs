using Marten;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Cluster;
using Swarm.Domain.Services;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Orchestration;

/// <summary>
/// A command delivered twice with the same command id (a broker redelivery, a client resending after
/// losing the answer) changes the log once and is answered the same both times.
/// </summary>
public sealed class CommandIdempotencyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private static ServiceSpec Web(int replicas = 2) => new()
    {
        Name = "web",
        Replicas = replicas,
        Command = ["sleep", "3600"],
        RestartPolicy = new RestartPolicySpec { Condition = "any", DelaySeconds = 0 },
        UpdateConfig = new UpdateConfigSpec { Parallelism = 0 },
        RollbackConfig = new UpdateConfigSpec { Parallelism = 0 },
    };

    private static async Task<Service> ServiceAsync(Managers managers, Guid id)
    {
        await using var query = managers.Store.QuerySession();
        return (await query.LoadAsync<Service>(id))!;
    }

    private static async Task<Guid> RunningServiceAsync(Managers managers)
    {
        await managers.AddNodeAsync("a");
        var id = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Web() })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count == 2 && t.All(x => x.State == TaskState.Assigned), Timeout, "2 assigned");
        await managers.RunAssignedAsync();
        await managers.SettleAsync(Quiet, Timeout);
        return id;
    }

    /// <summary>Sends <paramref name="command"/> again; asserts the same answer and a log that did not move.</summary>
    private static async Task AgainChangesNothingAsync<T>(Managers managers, T command, CommandAccepted first) where T : class
    {
        await managers.SettleAsync(Quiet, Timeout);
        var events = await managers.EventCountAsync();
        var again = await managers.AcceptedAsync(command);
        Assert.Equal((first.CommandId, first.Id, first.Version), (again.CommandId, again.Id, again.Version));
        await managers.SettleAsync(Quiet, Timeout);
        Assert.Equal(events, await managers.EventCountAsync());
    }

    [SkippableFact]
    public async Task A_force_update_delivered_twice_restarts_the_tasks_once()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var id = await RunningServiceAsync(managers);

        var force = new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Force = true };
        var first = await managers.AcceptedAsync(force);
        Assert.Equal(2, first.Version);
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count(x => x.SpecVersion == 2 && x.State == TaskState.Assigned) == 2, Timeout, "2 replacements assigned");
        await managers.RunAssignedAsync();

        await AgainChangesNothingAsync(managers, force, first);
        var tasks = await managers.TasksAsync(id);
        Assert.Equal(4, tasks.Count);
        Assert.Equal(2, (await ServiceAsync(managers, id)).SpecVersion);
    }

    [SkippableFact]
    public async Task A_rollback_delivered_twice_does_not_flip_back()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var id = await RunningServiceAsync(managers);
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Command = ["sleep", "7200"] });
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count(x => x.SpecVersion == 2 && x.State == TaskState.Assigned) == 2, Timeout, "2 updated tasks assigned");
        await managers.RunAssignedAsync();

        var rollback = new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Rollback = true };
        var first = await managers.AcceptedAsync(rollback);
        Assert.Equal(3, first.Version);
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count(x => x.SpecVersion == 3 && x.State == TaskState.Assigned) == 2, Timeout, "2 rolled-back tasks assigned");
        await managers.RunAssignedAsync();

        await AgainChangesNothingAsync(managers, rollback, first);
        var service = await ServiceAsync(managers, id);
        Assert.Equal(3, service.SpecVersion);
        Assert.Equal(["sleep", "3600"], service.Spec.Command!);
    }

    [SkippableFact]
    public async Task A_remove_delivered_twice_is_answered_as_the_first_was()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var id = await RunningServiceAsync(managers);

        var remove = new RemoveService { CommandId = Guid.NewGuid(), Service = "web" };
        var first = await managers.AcceptedAsync(remove);
        Assert.Equal(id, first.Id);
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.All(x => x.DesiredState == DesiredState.Remove), Timeout, "the service's tasks told to go");
        await managers.RunAssignedAsync();
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count == 0, Timeout, "the service's tasks reaped");

        await AgainChangesNothingAsync(managers, remove, first);
    }

    [SkippableFact]
    public async Task A_create_delivered_twice_makes_one_service_even_after_it_was_removed()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var create = new CreateService { CommandId = Guid.NewGuid(), Spec = Web(replicas: 0) };
        var first = await managers.AcceptedAsync(create);
        await AgainChangesNothingAsync(managers, create, first);

        await managers.AcceptedAsync(new RemoveService { CommandId = Guid.NewGuid(), Service = "web" });
        await AgainChangesNothingAsync(managers, create, first);

        await using var query = managers.Store.QuerySession();
        Assert.Equal(1, await query.Events.QueryRawEventDataOnly<ServiceCreated>().CountAsync());
        Assert.Empty(await query.Query<Service>().Where(x => !x.Removed).ToListAsync());
    }

    [SkippableFact]
    public async Task Node_and_cluster_updates_delivered_again_late_do_not_undo_later_ones()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var node = await managers.AddNodeAsync("a");

        var drain = new UpdateNode { CommandId = Guid.NewGuid(), Node = "a", Availability = NodeAvailability.Drain };
        var drained = await managers.AcceptedAsync(drain);
        await managers.AcceptedAsync(new UpdateNode { CommandId = Guid.NewGuid(), Node = "a", Availability = NodeAvailability.Active });
        await AgainChangesNothingAsync(managers, drain, drained);

        var limit = new UpdateCluster { CommandId = Guid.NewGuid(), TaskHistoryLimit = 2 };
        var limited = await managers.AcceptedAsync(limit);
        await managers.AcceptedAsync(new UpdateCluster { CommandId = Guid.NewGuid(), TaskHistoryLimit = 7 });
        await AgainChangesNothingAsync(managers, limit, limited);

        await using var query = managers.Store.QuerySession();
        Assert.Equal(NodeAvailability.Active, (await query.LoadAsync<Swarm.Domain.Nodes.Node>(node))!.Availability);
        Assert.Equal(7, (await query.LoadAsync<ClusterSettings>(ClusterSettings.DefaultId))!.TaskHistoryLimit);
    }

    [SkippableFact]
    public async Task Two_deliveries_at_once_apply_the_command_once()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var id = await RunningServiceAsync(managers);

        var force = new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Force = true };
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => managers.AcceptedAsync(force)));
        Assert.All(answers, a => Assert.Equal((id, 2L), (a.Id, a.Version)));
        await managers.SettleAsync(Quiet, Timeout);

        await using var query = managers.Store.QuerySession();
        Assert.Equal(1, await query.Events.QueryRawEventDataOnly<ServiceUpdated>().CountAsync());
        Assert.Equal(2, (await ServiceAsync(managers, id)).SpecVersion);
    }
}
