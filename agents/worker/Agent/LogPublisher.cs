using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>
/// Answers the dispatcher's log subscriptions: streams the output the executor keeps of the named
/// tasks back through <c>PublishLogs</c>, in batches, until done or cancelled.
/// </summary>
public sealed class LogPublisher
{
    private const int MaxBatch = 200;

    private readonly Dispatcher.Api.Dispatcher.DispatcherClient _client;
    private readonly IExecutor _executor;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _active = new(StringComparer.Ordinal);

    public LogPublisher(Dispatcher.Api.Dispatcher.DispatcherClient client, IExecutor executor, ILogger logger)
    {
        _client = client;
        _executor = executor;
        _logger = logger;
    }

    /// <summary>Starts (or, for a cancelled one, stops) publishing for a subscription; the session's token ends it too.</summary>
    public void Handle(string sessionId, LogSubscription subscription, CancellationToken sessionToken)
    {
        if (subscription.Cancelled)
        {
            if (_active.TryRemove(subscription.SubscriptionId, out var running))
            {
                running.Cancel();
            }

            return;
        }

        var cts = CancellationTokenSource.CreateLinkedTokenSource(sessionToken);
        if (!_active.TryAdd(subscription.SubscriptionId, cts))
        {
            cts.Dispose();
            return;
        }

        _ = PublishAsync(sessionId, subscription, cts);
    }

    private async Task PublishAsync(string sessionId, LogSubscription subscription, CancellationTokenSource cts)
    {
        var ct = cts.Token;
        try
        {
            using var call = _client.PublishLogs(cancellationToken: ct);
            await call.RequestStream.WriteAsync(new PublishLogsMessage { SessionId = sessionId, SubscriptionId = subscription.SubscriptionId }, ct);

            var entries = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(MaxBatch * 4) { SingleReader = true });
            var producers = Task.WhenAll(subscription.TaskIds.Select(async taskId =>
            {
                await foreach (var entry in _executor.LogsAsync(taskId, subscription.Follow, subscription.Tail, ct))
                {
                    await entries.Writer.WriteAsync(entry, ct);
                }
            }));
            _ = producers.ContinueWith(t => entries.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

            // one message per read: whatever has arrived meanwhile goes with it
            while (await entries.Reader.WaitToReadAsync(ct))
            {
                var message = new PublishLogsMessage { SubscriptionId = subscription.SubscriptionId };
                while (message.Lines.Count < MaxBatch && entries.Reader.TryRead(out var entry))
                {
                    message.Lines.Add(new LogLine { TaskId = entry.TaskId, Stream = entry.Stream, Text = entry.Text, Timestamp = Timestamp.FromDateTimeOffset(entry.At) });
                }

                await call.RequestStream.WriteAsync(message, ct);
            }

            await call.RequestStream.WriteAsync(new PublishLogsMessage { SubscriptionId = subscription.SubscriptionId, Close = true }, ct);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Cancelled or StatusCode.Unavailable or StatusCode.NotFound)
        {
            _logger.LogDebug("log subscription {SubscriptionId} ended: {Status}", subscription.SubscriptionId, ex.StatusCode);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("log subscription {SubscriptionId} failed: {Message}", subscription.SubscriptionId, ex.Message);
        }
        finally
        {
            _active.TryRemove(subscription.SubscriptionId, out _);
            cts.Dispose();
        }
    }
}
