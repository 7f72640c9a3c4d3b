using Marten;
using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore;

namespace Swarm.ControlApi.Common;

/// <summary>
/// Sends a command on the bus and turns the orchestrator's answer into an HTTP result:
/// accepted → <c>{id, version}</c>; rejected → 400/404/409 with the field and reason; not applied
/// in time → 503, and then it is not applied later.
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
/// (<c>Swarm.Messaging.ExpiredMessageFilter</c>). Without an answer by then, the log says whether a copy
/// was applied all the same (the orchestrator records every command it applies, by its id, in the
/// transaction of its events; one taken just before the deadline is given a moment to commit): if so
/// that is the answer, otherwise the command was not applied, and the client is told so.
/// </para>
/// </remarks>
public sealed class CommandSender(IServiceProvider services, IDocumentStore store, IConfiguration configuration, TimeProvider time, ILogger<CommandSender> logger)
{
    /// <summary>How long after the deadline a copy taken just before it is given to commit.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for an answer before sending another copy.</summary>
    private static readonly TimeSpan Resend = TimeSpan.FromSeconds(5);

    private TimeSpan Timeout => TimeSpan.FromSeconds(configuration.GetValue("ControlApi:CommandTimeoutSeconds", 25.0));

    /// <param name="commandId">The command's <c>CommandId</c>: the key its applied-command record is found by.</param>
    public async Task<IResult> SendAsync<T>(T command, Guid commandId, Func<CommandResult, IResult> onAccepted, CancellationToken cancellationToken)
        where T : class
    {
        var client = services.GetRequiredService<IRequestClient<T>>();
        var timeout = Timeout;
        var expires = time.GetUtcNow() + timeout;

        // bounds the whole exchange, including a publish that waits for a broker connection
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);

        var copies = new List<Task<Response<CommandAccepted, CommandRejected>>>();
        Exception? unsent = null;
        RequestFaultException? fault = null;
        try
        {
            for (var copy = 0; fault is null && !deadline.IsCancellationRequested; copy++)
            {
                var left = expires - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                if (copy > 0)
                {
                    logger.LogInformation("No answer yet to {Command} {CommandId}: sending it again (copy {Copy})", typeof(T).Name, commandId, copy + 1);
                }

                // the copy's time-to-live is also how long MassTransit waits for its answer
                var ttl = RequestTimeout.After(ms: (int)Math.Ceiling(left.TotalMilliseconds));
                copies.Add(client.GetResponse<CommandAccepted, CommandRejected>(command, r => r.TimeToLive = ttl, deadline.Token, ttl));

                var pause = Task.Delay(left < Resend ? left : Resend, time, deadline.Token);
                while (await Task.WhenAny(copies.Append<Task>(pause)) is var done && done != pause)
                {
                    var finished = (Task<Response<CommandAccepted, CommandRejected>>)done;
                    copies.Remove(finished);
                    if (finished.IsCompletedSuccessfully)
                    {
                        return Answer(await finished, onAccepted);
                    }

                    switch (finished.Exception?.GetBaseException())
                    {
                        case RequestFaultException failed:
                            fault = failed;
                            break;
                        case RequestTimeoutException:
                            break;
                        case MassTransitException failure:
                            // not published: another copy, or the next, may be
                            unsent = failure;
                            break;
                    }

                    if (fault is not null)
                    {
                        break;
                    }
                }

                if (fault is not null)
                {
                    break;
                }

                await pause.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                cancellationToken.ThrowIfCancellationRequested();
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

        if (fault is null && expires + Grace - time.GetUtcNow() is var settle && settle > TimeSpan.Zero)
        {
            await Task.Delay(settle, time, cancellationToken);
        }

        if (await WrittenAsync(commandId, cancellationToken) is { } written)
        {
            logger.LogInformation("{Command} {CommandId} was applied but its answer did not arrive: answered from the log", typeof(T).Name, commandId);
            return onAccepted(written);
        }

        if (fault is not null)
        {
            logger.LogWarning(fault, "{Command} {CommandId} failed in its consumer", typeof(T).Name, commandId);
            return new ApiError(ApiError.Internal, "", $"{typeof(T).Name} failed and was not applied: {fault.Fault?.Exceptions.FirstOrDefault()?.Message ?? fault.Message}").ToResult();
        }

        if (unsent is not null)
        {
            logger.LogWarning(unsent, "Could not send {Command} {CommandId}", typeof(T).Name, commandId);
            return new ApiError(ApiError.Unavailable, "", $"the message bus is unreachable ({unsent.GetBaseException().Message}); {typeof(T).Name} was not applied").ToResult();
        }

        return new ApiError(ApiError.Unavailable, "", $"no answer to {typeof(T).Name} within {timeout.TotalSeconds:0.#} s, and it was not applied: is the orchestrator running and the message bus reachable?").ToResult();
    }

    /// <summary>
    /// How the command was applied, if it was: the orchestrator records every command it applies, with its
    /// answer, in the transaction of its events (<see cref="AppliedCommand"/>), so a lost answer is read back
    /// by the command id (the record's key).
    /// </summary>
    private async Task<CommandResult?> WrittenAsync(Guid commandId, CancellationToken cancellationToken)
    {
        await using var query = store.QuerySession();
        var applied = await query.LoadAsync<AppliedCommand>(commandId, cancellationToken);
        return applied is null ? null : new CommandResult { Id = applied.AggregateId, Version = applied.Version };
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
