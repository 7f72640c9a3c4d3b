using Swarm.ServiceDefaults;

namespace Swarm.Allocator;

/// <summary>Creates the default network at start-up, then sweeps now and then for anything missed.</summary>
public sealed class AllocatorSweep(NetworkAllocator allocator, TimeProvider time, ILogger<AllocatorSweep> logger) : PeriodicWork(time, logger)
{
    protected override TimeSpan Period => TimeSpan.FromSeconds(10);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await allocator.EnsureDefaultNetworkAsync(cancellationToken);
        await allocator.SweepAsync(cancellationToken);
    }
}
