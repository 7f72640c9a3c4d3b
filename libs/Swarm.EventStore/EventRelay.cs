using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Swarm.EventStore;

/// <summary>
/// The outbox of the cluster log: a Marten subscription, run by the async daemon on exactly one node
/// (hot/cold), that publishes every committed event to RabbitMQ in log order. The daemon records
/// progress only after a page is published, so a crash re-publishes at most the last page:
/// delivery is at-least-once and consumers are idempotent.
/// </summary>
public sealed class EventRelay : SubscriptionBase
{
    private readonly IBus _bus;
    private readonly ILogger<EventRelay> _logger;
    private readonly RelayLag? _lag;

    public EventRelay(IBus bus, ILogger<EventRelay> logger, RelayLag? lag = null)
    {
        _bus = bus;
        _logger = logger;
        _lag = lag;
        Name = SubscriptionName;
    }

    public const string SubscriptionName = "relay";
    public static readonly ActivitySource Source = new("Swarm.EventRelay");


    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        // published in log order without waiting for each broker confirm in turn: the whole page is
        // in flight at once and the page counts as done when every message is confirmed
        await Task.WhenAll(page.Events.Where(IsDomainEvent).Select(e => PublishAsync(_bus, e, cancellationToken)));

        _lag?.Published(page.SequenceCeiling);
        if (page.Events.Count > 0)
        {
            _logger.LogDebug("relayed {Count} events up to sequence {Sequence}", page.Events.Count, page.SequenceCeiling);
        }

        return NullChangeListener.Instance;
    }

    /// <summary>Only domain events go on the bus, not Marten's own entries (such as tombstones of failed appends).</summary>
    public static bool IsDomainEvent(IEvent e) => e.Data.GetType().Namespace?.StartsWith("Swarm.Contracts", StringComparison.Ordinal) == true;

    /// <summary>Publishes one logged event, restoring the trace context it was appended under.</summary>
    public static async Task PublishAsync(IPublishEndpoint bus, IEvent e, CancellationToken cancellationToken)
    {
        ActivityContext parent = default;
        if (e.Headers is { } headers && headers.TryGetValue(TraceContext.TraceParentHeader, out var tp) && tp?.ToString() is { } traceParent)
        {
            headers.TryGetValue(TraceContext.TraceStateHeader, out var ts);
            ActivityContext.TryParse(traceParent, ts?.ToString(), out parent);
        }

        using var activity = Source.StartActivity($"relay {e.EventTypeName}", ActivityKind.Producer, parent);
        activity?.SetTag("swarm.event.sequence", e.Sequence);
        activity?.SetTag("swarm.stream.id", e.StreamId);

        await bus.Publish(e.Data, e.EventType, ctx =>
        {
            ctx.MessageId = e.Id;
            if (Guid.TryParse(e.CorrelationId, out var correlation))
            {
                ctx.CorrelationId = correlation;
            }

            ctx.Headers.Set("swarm-sequence", e.Sequence);
            ctx.Headers.Set("swarm-stream", e.StreamId.ToString());
            ctx.Headers.Set("swarm-version", e.Version);
        }, cancellationToken);
    }
}

internal sealed class NullChangeListener : IChangeListener
{
    public static readonly NullChangeListener Instance = new();

    public Task AfterCommitAsync(IDocumentSession session, Marten.Services.IChangeSet commit, CancellationToken token) => Task.CompletedTask;

    public Task BeforeCommitAsync(IDocumentSession session, Marten.Services.IChangeSet commit, CancellationToken token) => Task.CompletedTask;
}
