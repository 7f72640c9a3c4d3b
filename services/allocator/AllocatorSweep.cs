namespace Swarm.Allocator;

/// <summary>Creates the default network at start-up, then sweeps now and then for anything missed.</summary>
public sealed class AllocatorSweep(NetworkAllocator allocator, TimeProvider time, ILogger<AllocatorSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await allocator.EnsureDefaultNetworkAsync(stoppingToken);
                await allocator.SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "allocator sweep: {Message}", ex.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
