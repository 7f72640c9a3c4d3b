using MassTransit;
using Microsoft.Extensions.Logging;

namespace Swarm.Messaging;

/// <summary>
/// A message received after its expiration time is not handled: its sender has stopped waiting for
/// it and told its own client that it was not applied (the control API's commands expire when it gives
/// up on an answer). The broker drops such a message while it is queued; this covers one that was
/// already delivered to a consumer, or whose consumer was slow to take it. It counts as consumed (it
/// is not moved to a <c>_skipped</c> queue). Messages without an expiration (the relay's events, plain
/// AMQP commands) pass untouched.
/// </summary>
public sealed class ExpiredMessageFilter<T>(TimeProvider time, ILoggerFactory loggers) : IFilter<ConsumeContext<T>>
    where T : class
{
    public const string LoggerName = "Swarm.Messaging.ExpiredMessages";

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        // MassTransit reads the expiration time in UTC; a local time is converted, not relabelled
        if (context.ExpirationTime is { } expires
            && new DateTimeOffset(expires.Kind == DateTimeKind.Local ? expires.ToUniversalTime() : DateTime.SpecifyKind(expires, DateTimeKind.Utc)) < time.GetUtcNow())
        {
            loggers.CreateLogger(LoggerName).LogWarning("{MessageType} {MessageId} expired at {Expires:O} before it was handled: not handled",
                typeof(T).Name, context.MessageId, expires);
            await context.NotifyConsumed(context, TimeSpan.Zero, LoggerName);
            return;
        }

        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("expired-messages");
}
