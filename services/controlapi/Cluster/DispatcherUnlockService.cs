using Swarm.EventStore.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// While this control API holds the unlock key, every <see cref="Period"/> it asks each dispatcher replica whether it
/// is locked and unlocks one that is (a replica that restarted since): the operator unlocks once, not once per replica.
/// </summary>
public sealed class DispatcherUnlockService(ClusterCa ca, DispatcherLocks dispatchers, ILogger<DispatcherUnlockService> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (ca.Keys.UnlockKey is not { } key || !(await ca.AutolockAsync(stoppingToken)).KeyKnown)
                {
                    continue;
                }

                foreach (var replica in await dispatchers.UnlockAsync(key, evenUnlocked: false, stoppingToken))
                {
                    if (replica.Locked == false && replica.Error is null)
                    {
                        continue;
                    }

                    logger.LogDebug("dispatcher {Address}: locked={Locked} {Error}", replica.Address, replica.Locked, replica.Error);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("re-unlocking the dispatchers failed: {Message}", ex.Message);
            }
        }
    }
}
