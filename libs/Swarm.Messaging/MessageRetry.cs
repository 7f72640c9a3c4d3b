using System.IO;
using System.Net.Sockets;
using MassTransit;
using Npgsql;

namespace Swarm.Messaging;

/// <summary>
/// How a consumer's failure is retried before its message moves to the endpoint's <c>_error</c> queue.
/// <list type="bullet">
/// <item>An outage — the database or the broker unreachable, restarting or timing out — is retried for
/// about a minute (<see cref="OutageIntervals"/>), long enough for either to restart; the message is
/// held (unacknowledged) meanwhile, so a broker restart redelivers it from a durable queue.</item>
/// <item>Any other failure (a conflict that outlasted its own retries, a bug) is retried quickly
/// (<see cref="QuickIntervals"/>), then moves to <c>_error</c>.</item>
/// <item>A message that cannot be read (<see cref="IsPoison"/>) fails the same way every time: it moves
/// to <c>_error</c> at once.</item>
/// </list>
/// Delayed redelivery (returning the message to the broker for later) needs RabbitMQ's delayed-message
/// plugin, which the deployment does not run, so the retries stay in the consumer.
/// </summary>
public static class MessageRetry
{
    public static readonly TimeSpan[] QuickIntervals = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    /// <summary>About 58 s in all.</summary>
    public static readonly TimeSpan[] OutageIntervals =
        [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(25)];

    /// <summary>Adds both retry policies to every endpoint of the bus.</summary>
    public static void Configure(IBusFactoryConfigurator cfg)
    {
        cfg.UseMessageRetry(r =>
        {
            r.Handle<Exception>(IsOutage);
            r.Intervals(OutageIntervals);
        });
        cfg.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(e => IsOutage(e) || IsPoison(e));
            r.Intervals(QuickIntervals);
        });
    }

    /// <summary>The database or the broker could not be reached or did not answer in time (anywhere in the exception chain).</summary>
    public static bool IsOutage(Exception exception) =>
        Chain(exception).Any(e => e is NpgsqlException { IsTransient: true }
            or SocketException or IOException or TimeoutException
            or ConnectionException or TransportUnavailableException);

    /// <summary>The message itself cannot be read: retrying it cannot help.</summary>
    public static bool IsPoison(Exception exception) =>
        Chain(exception).Any(e => e is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException);

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>([exception]);
        while (pending.TryPop(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
