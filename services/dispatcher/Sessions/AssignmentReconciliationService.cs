using Microsoft.Extensions.Options;

namespace Swarm.Dispatcher.Sessions;

/// <summary>
/// Runs the <see cref="AssignmentReconciler"/> every <see cref="DispatcherOptions.FullSetPeriod"/>, and at
/// once when the <see cref="AssignmentGapSignal"/> is raised. Only the leader holds sessions, so on other
/// replicas a round reads nothing.
/// </summary>
public sealed class AssignmentReconciliationService : BackgroundService
{
    private readonly AssignmentReconciler _reconciler;
    private readonly AssignmentGapSignal _gap;
    private readonly TimeSpan _period;
    private readonly ILogger<AssignmentReconciliationService> _logger;

    public AssignmentReconciliationService(AssignmentReconciler reconciler, AssignmentGapSignal gap, IOptions<DispatcherOptions> options, ILogger<AssignmentReconciliationService> logger)
    {
        _reconciler = reconciler;
        _gap = gap;
        _period = options.Value.FullSetPeriod;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _gap.WaitAsync(_period, stoppingToken);
                var sent = await _reconciler.ReconcileAsync(stoppingToken);
                if (sent > 0)
                {
                    _logger.LogInformation("{Count} agent sessions were sent their full assignment set again: it differed from the log", sent);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // the database may be restarting: the next round tries again
                _logger.LogWarning(ex, "comparing agent sessions with the log failed; trying again in {Period}", _period);
            }
        }
    }
}
