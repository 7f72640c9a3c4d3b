using Swarm.ServiceDefaults;

namespace Swarm.Scheduler;

/// <summary>Retries pending tasks periodically, in case a node change came while none could be read.</summary>
public sealed class PendingRetryLoop(PlacementQueue placement, TimeProvider time, ILogger<PendingRetryLoop> logger) : PeriodicWork(time, logger)
{
    protected override TimeSpan Period => TimeSpan.FromSeconds(5);

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => placement.ScheduleAllPendingAsync(cancellationToken);
}
