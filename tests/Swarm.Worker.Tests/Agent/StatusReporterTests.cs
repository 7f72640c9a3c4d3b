using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Tests.Agent;

public sealed class StatusReporterTests
{
    private static StatusUpdate Update(string task, TaskState state) => new(task, state, "", null, null, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_quick_succession_of_states_goes_out_as_one_batch()
    {
        var reporter = new StatusReporter(TimeProvider.System, TimeSpan.FromMilliseconds(50));
        var batches = new List<IReadOnlyList<StatusUpdate>>();
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync((batch, _) =>
        {
            lock (batches)
            {
                batches.Add(batch);
            }

            return Task.CompletedTask;
        }, cts.Token);

        foreach (var state in new[] { TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running })
        {
            reporter.Report(Update("t1", state));
        }

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (reporter.PendingCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var batch = Assert.Single(batches);
        Assert.Equal([TaskState.Accepted, TaskState.Preparing, TaskState.Ready, TaskState.Starting, TaskState.Running], batch.Select(u => u.State));
    }

    [Fact]
    public async Task Updates_a_failed_send_did_not_deliver_go_out_again_in_order_on_the_next_session()
    {
        var reporter = new StatusReporter(TimeProvider.System, TimeSpan.FromMilliseconds(10));
        reporter.Report(Update("t1", TaskState.Accepted));
        reporter.Report(Update("t1", TaskState.Running));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            reporter.RunAsync((_, _) => throw new InvalidOperationException("dispatcher gone"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, reporter.PendingCount);

        reporter.Report(Update("t2", TaskState.Accepted));
        var delivered = new List<StatusUpdate>();
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(async (batch, _) =>
        {
            delivered.AddRange(batch);
            if (reporter.PendingCount == batch.Count)
            {
                await cts.CancelAsync();
            }
        }, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal(0, reporter.PendingCount);
        Assert.Equal(["t1:Accepted", "t1:Running", "t2:Accepted"], delivered.Select(u => $"{u.TaskId}:{u.State}"));
    }

    [Fact]
    public async Task A_full_batch_is_sent_without_waiting_and_batches_are_capped()
    {
        var reporter = new StatusReporter(TimeProvider.System, TimeSpan.FromHours(1));
        for (var i = 0; i < StatusReporter.MaxBatch + 10; i++)
        {
            reporter.Report(Update($"t{i}", TaskState.Running));
        }

        var sizes = new List<int>();
        using var cts = new CancellationTokenSource();
        var run = reporter.RunAsync(async (batch, _) =>
        {
            sizes.Add(batch.Count);
            await cts.CancelAsync();
        }, cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal([StatusReporter.MaxBatch], sizes);
        Assert.Equal(10, reporter.PendingCount);
    }
}
