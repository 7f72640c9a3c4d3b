using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.ControlApi.Contracts;

namespace Swarm.ControlApi.Common;

/// <summary>
/// Sends a command on the bus and turns the orchestrator's answer into an HTTP result:
/// accepted → <c>{id, version}</c>; rejected → 400/404/409 with the field and reason; no answer in
/// time → 503, and then nothing was written.
/// </summary>
/// <remarks>
/// <para>
/// After the broker restarts, every MassTransit receive endpoint reconnects on its own back-off (up to
/// 30 s between attempts): for a while the orchestrator's command queue has no consumer, and this
/// process's reply queue (exclusive, so deleted with the old connection) does not exist, so an answer
/// sent to it is dropped by the broker. A command is therefore sent again, with the same
/// <c>CommandId</c>, until one of its copies is answered: the orchestrator answers a copy of a command
/// it has already applied as it answered the first (it is idempotent by command id), and the first
/// answer to any copy is the answer.
/// </para>
/// <para>
/// Every copy expires at the same moment (<c>ControlApi:CommandTimeoutSeconds</c> after the first was
/// sent): the broker drops a copy still queued then, and a consumer refuses one it receives later
/// (<c>Swarm.Messaging.ExpiredMessageFilter</c>). The answer is awaited a little longer, so that a copy
/// taken just before the deadline is still answered; without any answer the command was not applied.
/// </para>
/// </remarks>
public sealed class CommandSender(IServiceProvider services, IConfiguration configuration, TimeProvider time, ILogger<CommandSender> logger)
{
    /// <summary>How long after the deadline an answer is still awaited (a copy being applied at the deadline).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for an answer before sending a copy; the last interval repeats.</summary>
    private static readonly TimeSpan[] Resends = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5)];

    private TimeSpan Timeout => TimeSpan.FromSeconds(configuration.GetValue("ControlApi:CommandTimeoutSeconds", 25.0));

    public async Task<IResult> SendAsync<T>(T command, Func<CommandResult, IResult> onAccepted, CancellationToken cancellationToken)
        where T : class
    {
        var client = services.GetRequiredService<IRequestClient<T>>();
        var timeout = Timeout;
        var expires = time.GetUtcNow() + timeout;

        // bounds the whole exchange, including a publish that waits for a broker connection
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout + Grace);

        var copies = new List<Task<Response<CommandAccepted, CommandRejected>>>();
        Exception? unsent = null;
        try
        {
            for (var copy = 0; ; copy++)
            {
                var left = expires - time.GetUtcNow();
                if (left > TimeSpan.Zero)
                {
                    if (copy > 0)
                    {
                        logger.LogInformation("No answer yet to {Command}: sending it again (copy {Copy})", typeof(T).Name, copy + 1);
                    }

                    copies.Add(client.GetResponse<CommandAccepted, CommandRejected>(
                        command,
                        r => r.TimeToLive = RequestTimeout.After(ms: (int)Math.Ceiling(left.TotalMilliseconds)),
                        deadline.Token,
                        RequestTimeout.After(ms: (int)Math.Ceiling((left + Grace).TotalMilliseconds))));
                }
                else if (copies.Count == 0)
                {
                    break;
                }

                // until the next copy is due; once the command has expired, through the grace period
                var pause = Task.Delay(left > TimeSpan.Zero ? Resends[Math.Min(copy, Resends.Length - 1)] : left + Grace > TimeSpan.Zero ? left + Grace : TimeSpan.Zero, time, deadline.Token);
                while (copies.Count > 0)
                {
                    var done = await Task.WhenAny(copies.Append<Task>(pause));
                    if (done == pause)
                    {
                        break;
                    }

                    var finished = (Task<Response<CommandAccepted, CommandRejected>>)done;
                    copies.Remove(finished);
                    if (finished.IsCompletedSuccessfully)
                    {
                        return Answer(await finished, onAccepted);
                    }

                    // not published, or not answered: another copy, or the next, may still be
                    if (finished.Exception?.GetBaseException() is MassTransitException and not RequestTimeoutException and var failure)
                    {
                        unsent = failure;
                    }
                }

                await pause.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                cancellationToken.ThrowIfCancellationRequested();
                if (deadline.IsCancellationRequested || left <= TimeSpan.Zero)
                {
                    break;
                }
            }
        }
        finally
        {
            await deadline.CancelAsync();
            foreach (var copy in copies)
            {
                // observed, so that a copy cancelled here is not reported as unobserved
                _ = copy.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }

        if (unsent is not null)
        {
            logger.LogWarning(unsent, "Could not send {Command}", typeof(T).Name);
            return new ApiError(ApiError.Unavailable, "", $"the message bus is unreachable ({unsent.Message}); {typeof(T).Name} was not applied").ToResult();
        }

        return new ApiError(ApiError.Unavailable, "", $"no answer to {typeof(T).Name} within {timeout.TotalSeconds:0.#} s, and it was not applied: is the orchestrator running and the message bus reachable?").ToResult();
    }

    private static IResult Answer(Response<CommandAccepted, CommandRejected> response, Func<CommandResult, IResult> onAccepted)
    {
        if (response.Is(out Response<CommandAccepted>? accepted))
        {
            return onAccepted(new CommandResult { Id = accepted.Message.Id, Version = accepted.Message.Version });
        }

        if (response.Is(out Response<CommandRejected>? rejected))
        {
            var r = rejected.Message;
            var code = r.Code is ApiError.Invalid or ApiError.Conflict or ApiError.NotFound ? r.Code : ApiError.Invalid;
            return new ApiError(code, r.Field, r.Reason).ToResult();
        }

        return new ApiError(ApiError.Internal, "", "unexpected answer to the command").ToResult();
    }
}
