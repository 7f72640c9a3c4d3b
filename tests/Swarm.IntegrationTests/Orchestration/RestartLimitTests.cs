using Marten;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Orchestration;

/// <summary>Restart max attempts through the real log and bus, with the task history trimmed by the reaper.</summary>
public sealed class RestartLimitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task A_task_that_always_fails_is_restarted_max_attempts_times_with_a_history_limit_of_5()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        var spec = new ServiceSpec
        {
            Name = "crash",
            Replicas = 1,
            Command = ["sh", "-c", "exit 3"],
            RestartPolicy = new RestartPolicySpec { Condition = "any", DelaySeconds = 0, MaxAttempts = 12 },
        };
        var id = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec })).Id;

        // the agent fails every task it is given, until the slot is left completed (or 40 tasks failed)
        for (var round = 0; round < 40; round++)
        {
            var tasks = await Eventually.WaitAsync(
                () => managers.TasksAsync(id),
                t => t.Any(x => x.State == TaskState.Assigned && x.DesiredState == DesiredState.Running) || t.Any(x => x.DesiredState == DesiredState.Completed),
                Timeout,
                "a task to fail, or the slot left completed");
            if (tasks.Any(x => x.DesiredState == DesiredState.Completed))
            {
                break;
            }

            await managers.RunAssignedAsync(fails: _ => true);
        }

        await managers.SettleAsync(TimeSpan.FromSeconds(4), Timeout);

        // every task of the slot has its stream in the log, reaped or not: the first and 12 restarts
        await using var query = managers.Store.QuerySession();
        var created = await query.Events.QueryRawEventDataOnly<TaskCreated>().Where(e => e.ServiceId == id).ToListAsync();
        Assert.Equal(13, created.Count);
        Assert.Equal(12, created.Max(e => e.Restarts?.Count));

        var kept = await managers.TasksAsync(id);
        Assert.True(kept.Count <= 6, $"{kept.Count} tasks kept in the read model with a history limit of 5");
        Assert.Equal(DesiredState.Completed, Assert.Single(kept, t => t.Attempt == 13).DesiredState);
    }
}
