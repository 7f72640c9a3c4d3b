using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Swarm.ServiceDefaults;

/// <summary>
/// Work a service repeats on a timer (sweeps, retries, safety-net reconciliations). A failing round is
/// logged and the next one runs as usual; the clock is injected so tests can drive it.
/// </summary>
public abstract class PeriodicWork(TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = time;

    protected abstract TimeSpan Period { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "{Work}: {Message}", GetType().Name, ex.Message);
            }

            try
            {
                await Task.Delay(Period, Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
