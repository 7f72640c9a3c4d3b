using JasperFx.Events;
using System.Diagnostics;
using Marten;

namespace Swarm.EventStore;

/// <summary>Carries causation, correlation and the W3C trace context into the events a session appends.</summary>
public static class TraceContext
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>Header naming the component that appended the event (<c>orchestrator</c>, <c>dispatcher</c>, …).</summary>
    public const string ComponentHeader = "component";

    /// <summary>This process's component name, stamped on what it appends; set once at start-up.</summary>
    public static string? Component { get; set; }

    public static IDocumentSession Stamp(this IDocumentSession session, Guid? correlationId = null, Guid? causationId = null)
    {
        if (correlationId is { } correlation)
        {
            session.CorrelationId = correlation.ToString();
        }

        if (causationId is { } causation)
        {
            session.CausationId = causation.ToString();
        }

        if (Component is { Length: > 0 } component)
        {
            session.SetHeader(ComponentHeader, component);
        }

        if (Activity.Current is { } activity)
        {
            session.SetHeader(TraceParentHeader, activity.Id!);
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                session.SetHeader(TraceStateHeader, activity.TraceStateString);
            }
        }

        return session;
    }

    /// <summary>The W3C traceparent an event was appended under, if any.</summary>
    public static string? TraceParentOf(IEvent e) =>
        e.Headers is { } headers && headers.TryGetValue(TraceParentHeader, out var value) ? value?.ToString() : null;

    /// <summary>The trace context an event was appended under (default when it has none).</summary>
    public static ActivityContext ContextOf(IEvent e)
    {
        ActivityContext context = default;
        if (TraceParentOf(e) is { } traceParent)
        {
            e.Headers!.TryGetValue(TraceStateHeader, out var state);
            ActivityContext.TryParse(traceParent, state?.ToString(), out context);
        }

        return context;
    }
}
