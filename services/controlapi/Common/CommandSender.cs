using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.ControlApi.Contracts;

namespace Swarm.ControlApi.Common;

/// <summary>
/// Sends a command on the bus and turns the orchestrator's answer into an HTTP result:
/// accepted → <c>{id, version}</c>; rejected → 400/404/409 with the field and reason; no answer in
/// time → 503.
/// </summary>
public sealed class CommandSender(IServiceProvider services, IConfiguration configuration, ILogger<CommandSender> logger)
{
    private TimeSpan Timeout => TimeSpan.FromSeconds(configuration.GetValue("ControlApi:CommandTimeoutSeconds", 10.0));

    public async Task<IResult> SendAsync<T>(T command, Func<CommandResult, IResult> onAccepted, CancellationToken cancellationToken)
        where T : class
    {
        var client = services.GetRequiredService<IRequestClient<T>>();
        var timeout = Timeout;

        // bounds the whole exchange, including a publish that waits for a broker connection
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout + TimeSpan.FromSeconds(2));
        try
        {
            var response = await client.GetResponse<CommandAccepted, CommandRejected>(command, deadline.Token, RequestTimeout.After(ms: (int)timeout.TotalMilliseconds));
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
        catch (RequestTimeoutException)
        {
            return NoAnswer(typeof(T).Name, timeout);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return NoAnswer(typeof(T).Name, timeout);
        }
        catch (MassTransitException ex)
        {
            logger.LogWarning(ex, "Could not send {Command}", typeof(T).Name);
            return new ApiError(ApiError.Unavailable, "", $"the message bus is unreachable: {ex.GetBaseException().Message}").ToResult();
        }
    }

    private static IResult NoAnswer(string command, TimeSpan timeout) =>
        new ApiError(ApiError.Unavailable, "", $"no answer to {command} within {timeout.TotalSeconds:0.#} s: is the orchestrator running and the message bus reachable?").ToResult();
}
