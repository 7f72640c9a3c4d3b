using Marten;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Orchestration;

/// <summary>Rolling updates and rollback through the real log and bus, with a simulated agent running tasks.</summary>
public sealed class RollingUpdateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static ServiceSpec Web(UpdateConfigSpec update) => new()
    {
        Name = "web",
        Replicas = 6,
        Command = ["sleep", "3600"],
        RestartPolicy = new RestartPolicySpec { Condition = "any", DelaySeconds = 0.2 },
        UpdateConfig = update,
        RollbackConfig = new UpdateConfigSpec { Parallelism = 0, MonitorSeconds = 1 },
    };

    private static async Task<Service> ServiceAsync(Managers managers, Guid id)
    {
        await using var query = managers.Store.QuerySession();
        return (await query.LoadAsync<Service>(id))!;
    }

    /// <summary>Runs the scenario while an agent loop reports states, recording the running count.</summary>
    private static async Task<(List<int> Running, Service Final)> UpdateAndWatchAsync(Managers managers, Guid serviceId, UpdateService update, string until, Func<SwarmTaskView, bool>? fails = null)
    {
        var counts = new List<int>();
        using var stop = new CancellationTokenSource();
        var agent = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var tasks = await managers.TasksAsync(serviceId);
                counts.Add(tasks.Count(t => t.State == TaskState.Running));
                await managers.RunAssignedAsync(t => fails is not null && fails(new SwarmTaskView(t.Spec.Command)));
                await Task.Delay(100);
            }
        });

        await managers.AcceptedAsync(update);
        var final = await Eventually.WaitAsync(() => ServiceAsync(managers, serviceId), s => s.UpdateStatus?.State == until, Timeout, $"update status {until}");
        await stop.CancelAsync();
        await agent;
        return (counts, final);
    }

    public sealed record SwarmTaskView(IReadOnlyList<string> Command);

    [SkippableTheory]
    [InlineData("stop-first", 4, 6)]
    [InlineData("start-first", 6, 8)]
    public async Task A_rolling_update_of_six_replicas_two_at_a_time_keeps_capacity_within_bounds(string order, int min, int max)
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        var config = new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 1, Order = order };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Web(config) })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State >= TaskState.Assigned), Timeout, "6 placed");
        await managers.RunAssignedAsync();

        var (running, final) = await UpdateAndWatchAsync(managers, serviceId, new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Command = ["sleep", "7200"] }, UpdateStates.Completed);

        Assert.True(running.Min() >= min, $"running dropped to {running.Min()} ({string.Join(",", running)})");
        Assert.True(running.Max() <= max, $"running rose to {running.Max()} ({string.Join(",", running)})");
        var live = (await managers.TasksAsync(serviceId)).Where(t => t.DesiredState == DesiredState.Running).ToList();
        Assert.Equal(6, live.Count);
        Assert.All(live, t => Assert.Equal(["sleep", "7200"], t.Spec.Command));
        Assert.Equal("update completed", final.UpdateStatus!.Message);
    }

    [SkippableFact]
    public async Task A_broken_update_rolls_back_to_the_old_spec_and_the_status_says_so()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        var config = new UpdateConfigSpec { Parallelism = 2, DelaySeconds = 1, MonitorSeconds = 2, FailureAction = "rollback" };
        var serviceId = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Web(config) })).Id;
        await Eventually.WaitAsync(() => managers.TasksAsync(serviceId), t => t.Count == 6 && t.All(x => x.State >= TaskState.Assigned), Timeout, "6 placed");
        await managers.RunAssignedAsync();

        var (running, final) = await UpdateAndWatchAsync(
            managers,
            serviceId,
            new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Command = ["false"] },
            UpdateStates.RollbackCompleted,
            t => t.Command.SequenceEqual(["false"]));

        Assert.Equal(["sleep", "3600"], final.Spec.Command);
        Assert.StartsWith("rollback completed: update failed: ", final.UpdateStatus!.Message, StringComparison.Ordinal);
        var live = await Eventually.WaitAsync(
            async () => (await managers.TasksAsync(serviceId)).Where(t => t.DesiredState == DesiredState.Running).ToList(),
            l => l.Count == 6,
            Timeout,
            "6 live tasks");
        Assert.All(live, t => Assert.Equal(["sleep", "3600"], t.Spec.Command));
        Assert.True(running.Min() >= 4, $"running dropped to {running.Min()}");

        await using var query = managers.Store.QuerySession();
        var history = await query.Events.FetchStreamAsync(serviceId);
        Assert.Contains(history, e => e.Data is Swarm.Contracts.Events.ServiceRolledBack r && r.Reason.Contains("update failed", StringComparison.Ordinal));
    }
}
