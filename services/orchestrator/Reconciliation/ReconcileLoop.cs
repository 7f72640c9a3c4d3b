using Marten;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;
using Swarm.ServiceDefaults;

namespace Swarm.Orchestrator.Reconciliation;

public sealed class ReconcileLoopOptions
{
    /// <summary>How often tasks waiting out a restart delay are checked.</summary>
    public double RestartCheckSeconds { get; set; } = 0.5;

    /// <summary>How often every service is reconciled, whatever the bus said (a safety net).</summary>
    public double FullReconcileSeconds { get; set; } = 15;
}

/// <summary>
/// Time-driven reconciliation: promotes restarted tasks whose delay has elapsed, and reconciles every
/// service at start-up and periodically, so a missed or failed message never leaves a service drifted.
/// </summary>
public sealed class ReconcileLoop(IDocumentStore store, ServiceReconciliation reconciliation, TimeProvider time, Microsoft.Extensions.Options.IOptions<ReconcileLoopOptions> options, ILogger<ReconcileLoop> logger)
    : PeriodicWork(time, logger)
{
    private DateTimeOffset _lastFull = DateTimeOffset.MinValue;

    protected override TimeSpan Period => TimeSpan.FromSeconds(options.Value.RestartCheckSeconds);

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        if (now - _lastFull >= TimeSpan.FromSeconds(options.Value.FullReconcileSeconds))
        {
            _lastFull = now;
            await reconciliation.ReconcileAllAsync(cancellationToken);
        }
        else
        {
            await PromoteDelayedAsync(now, cancellationToken);
        }
    }

    private async Task PromoteDelayedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<Guid> services;
        await using (var query = store.QuerySession())
        {
            var waiting = await query.Query<SwarmTask>().Where(t => t.DesiredState == DesiredState.Ready).ToListAsync(cancellationToken);
            services = waiting.Where(t => t.StartAfter is { } due && due <= now && !t.IsTerminal).Select(t => t.ServiceId).ToList();

            // rolling updates move on with time (delay between batches, monitor period)
            // only services with an update under way, selected in the database (this runs twice a second)
            var updating = await query.Query<Service>()
                .Where(x => !x.Removed && (x.UpdateStatus!.State == UpdateStates.Updating || x.UpdateStatus!.State == UpdateStates.RollbackStarted))
                .Select(x => x.Id)
                .ToListAsync(cancellationToken);
            services.AddRange(updating);
            services = services.Distinct().ToList();
        }

        foreach (var id in services)
        {
            await reconciliation.ReconcileOneOfManyAsync(id, cancellationToken);
        }
    }
}
