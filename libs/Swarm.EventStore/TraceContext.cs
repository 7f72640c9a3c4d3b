using System.Diagnostics;
using Marten;

namespace Swarm.EventStore;

/// <summary>Carries causation, correlation and the W3C trace context into the events a session appends.</summary>
public static class TraceContext
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

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
}
