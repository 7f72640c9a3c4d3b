using System.Threading.Channels;

namespace Swarm.Scheduler;

/// <summary>
/// Collects placement requests (tasks that became pending, "try every pending task" after a node or
/// service change) for a short moment and hands them to <see cref="Placement"/> as one round, so a
/// burst of tasks is decided and written together. A request completes when its round is written, so
/// a message is acknowledged only after its task was decided; a failed round fails its requests.
/// </summary>
public sealed class PlacementQueue(Placement placement, ILogger<PlacementQueue> logger) : BackgroundService
{
    /// <summary>How long a round waits for more requests after the first.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(5);

    /// <summary>A round takes at most this many task requests.</summary>
    public const int MaxRound = 2000;

    private readonly Channel<Request> _requests = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });

    public Task ScheduleAsync(Guid taskId, CancellationToken cancellationToken) => EnqueueAsync(new Request(taskId), cancellationToken);

    public Task ScheduleAllPendingAsync(CancellationToken cancellationToken) => EnqueueAsync(new Request(null), cancellationToken);

    private async Task EnqueueAsync(Request request, CancellationToken cancellationToken)
    {
        await _requests.Writer.WriteAsync(request, cancellationToken);
        await request.Done.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _requests.Reader;
        var round = new List<Request>();
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            round.Clear();
            using (var linger = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                linger.CancelAfter(Linger);
                try
                {
                    while (round.Count < MaxRound && await reader.WaitToReadAsync(linger.Token))
                    {
                        while (round.Count < MaxRound && reader.TryRead(out var request))
                        {
                            round.Add(request);
                        }
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }

            try
            {
                var ids = round.Where(r => r.TaskId is not null).Select(r => r.TaskId!.Value).ToList();
                await placement.RunAsync(ids, round.Any(r => r.TaskId is null), stoppingToken);
                round.ForEach(r => r.Done.TrySetResult());
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "placement round failed: {Message}", ex.Message);
                round.ForEach(r => r.Done.TrySetException(ex));
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _requests.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        while (_requests.Reader.TryRead(out var request))
        {
            request.Done.TrySetCanceled(cancellationToken);
        }
    }

    private sealed record Request(Guid? TaskId)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
