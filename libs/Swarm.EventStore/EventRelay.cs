using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Swarm.Contracts.Events;

namespace Swarm.EventStore;

/// <summary>
/// The outbox of the cluster log: a Marten subscription, run by the async daemon on exactly one node
/// (hot/cold), that publishes every committed event to RabbitMQ a page at a time (the busiest task
/// events of a page as batches, see <see cref="RelayedBatches"/>). The daemon records progress only
/// after a page is published, so a crash re-publishes at most the last page: delivery is at-least-once
/// and consumers are idempotent.
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
        await PublishPageAsync(_bus, page.Events, cancellationToken);

        _lag?.Published(page.SequenceCeiling);
        if (page.Events.Count > 0)
        {
            _logger.LogDebug("relayed {Count} events up to sequence {Sequence}", page.Events.Count, page.SequenceCeiling);
        }

        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Publishes a page of the log without waiting for each broker confirm in turn: the whole page is in
    /// flight at once and counts as done when every message is confirmed. The busiest task events go as
    /// <see cref="RelayedBatches"/>, the others one message each.
    /// </summary>
    public static Task PublishPageAsync(IPublishEndpoint bus, IReadOnlyList<IEvent> page, CancellationToken cancellationToken)
    {
        var events = page.Where(IsDomainEvent).ToList();
        var publishing = new List<Task>();
        publishing.AddRange(events.Where(e => !IsBatched(e)).Select(e => PublishAsync(bus, e, cancellationToken)));
        // a created task carries its service's whole spec, whose size nothing bounds; the others are a few ids
        publishing.AddRange(Batches<TaskCreated>(bus, events, list => new TasksCreated { Events = list }, weigh: true, cancellationToken));
        publishing.AddRange(Batches<TaskAllocated>(bus, events, list => new TasksAllocated { Events = list }, weigh: false, cancellationToken));
        publishing.AddRange(Batches<TaskAssigned>(bus, events, list => new TasksAssigned { Events = list }, weigh: false, cancellationToken));
        return Task.WhenAll(publishing);
    }

    /// <summary>Event types relayed as <see cref="RelayedBatches"/>.</summary>
    public static bool IsBatched(IEvent e) => e.Data is TaskCreated or TaskAllocated or TaskAssigned;

    /// <summary>The events of type <typeparamref name="T"/> in the page, in log order, as batch messages.</summary>
    private static IEnumerable<Task> Batches<T>(IPublishEndpoint bus, List<IEvent> events, Func<List<T>, object> batch, bool weigh, CancellationToken cancellationToken)
    {
        foreach (var chunk in Chunks(events.Where(e => e.Data is T), weigh))
        {
            yield return PublishBatchAsync(bus, chunk, batch(chunk.Select(e => (T)e.Data).ToList()), cancellationToken);
        }
    }

    /// <summary>
    /// Consecutive events, at most <see cref="RelayedBatches.MaxEvents"/> per chunk and always at least one;
    /// when <paramref name="weigh"/>, also about <see cref="RelayedBatches.MaxBytes"/> of JSON at most.
    /// </summary>
    public static IEnumerable<IEvent[]> Chunks(IEnumerable<IEvent> events, bool weigh)
    {
        var chunk = new List<IEvent>();
        var bytes = 0L;
        foreach (var e in events)
        {
            var size = weigh ? System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(e.Data, e.Data.GetType()).LongLength : 0;
            if (chunk.Count > 0 && (chunk.Count == RelayedBatches.MaxEvents || bytes + size > RelayedBatches.MaxBytes))
            {
                yield return [.. chunk];
                chunk.Clear();
                bytes = 0;
            }

            chunk.Add(e);
            bytes += size;
        }

        if (chunk.Count > 0)
        {
            yield return [.. chunk];
        }
    }

    /// <summary>
    /// Publishes a batch under the trace context of its first event, linked to the others' traces. Its
    /// message id is its first event's: a page published again gives the same batches the same ids.
    /// </summary>
    private static async Task PublishBatchAsync(IPublishEndpoint bus, IEvent[] events, object message, CancellationToken cancellationToken)
    {
        var links = Source.HasListeners()
            ? events.Skip(1).Select(TraceContext.ContextOf).Where(c => c != default).Distinct().Select(c => new ActivityLink(c)).ToList()
            : null;
        using var activity = Source.StartActivity($"relay {events[0].EventTypeName} ×{events.Length}", ActivityKind.Producer, TraceContext.ContextOf(events[0]), links: links);
        activity?.SetTag("swarm.event.sequence", events[0].Sequence);
        activity?.SetTag("swarm.batch.size", events.Length);
        await bus.Publish(message, message.GetType(), ctx =>
        {
            ctx.MessageId = events[0].Id;
            ctx.Headers.Set("swarm-sequence", events[0].Sequence);
            ctx.Headers.Set("swarm-sequence-last", events[^1].Sequence);
        }, cancellationToken);
    }

    /// <summary>Only domain events go on the bus, not Marten's own entries (such as tombstones of failed appends).</summary>
    public static bool IsDomainEvent(IEvent e) => e.Data.GetType().Namespace?.StartsWith("Swarm.Contracts", StringComparison.Ordinal) == true;

    /// <summary>Publishes one logged event, restoring the trace context it was appended under.</summary>
    public static async Task PublishAsync(IPublishEndpoint bus, IEvent e, CancellationToken cancellationToken)
    {
        using var activity = Source.StartActivity($"relay {e.EventTypeName}", ActivityKind.Producer, TraceContext.ContextOf(e));
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
