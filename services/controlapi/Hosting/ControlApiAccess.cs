using System.Net;
using System.Net.Sockets;
using Swarm.ControlApi.Common;

namespace Swarm.ControlApi.Hosting;

/// <summary>
/// Who may use the API, checked before any endpoint runs:
/// <list type="bullet">
/// <item><c>/api/*</c> and <c>/openapi</c> answer only a connection on the unix socket (its file mode is the access
/// control) or a TLS connection whose client certificate is a manager's of this cluster; anything else gets 403.
/// Only <c>/healthz</c> and <c>/metrics</c> answer everywhere.</item>
/// <item>The Host header of an API request must name this machine (loopback, an address, the machine's name or
/// <c>ControlApi:AllowedHosts</c>): a web page whose name was pointed at 127.0.0.1 (DNS rebinding) is refused.</item>
/// <item>A request that carries (or may carry) a body must declare it <c>application/json</c>: a web page can send
/// a form or a plain-text body to any address without the browser asking first, but not JSON.</item>
/// </list>
/// </summary>
public sealed class ControlApiAccess(RequestDelegate next, AdminCertificates admins, AllowedHosts hosts, ILogger<ControlApiAccess> logger)
{
    public const string NotOnThisListener =
        "the control API answers on its unix socket (ControlApi:Socket) or over TLS with a client certificate; see swarmctl --help";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (IsOpenEverywhere(request.Path))
        {
            await next(context);
            return;
        }

        if (!await AllowedAsync(context))
        {
            await new ApiError(ApiError.Forbidden, "", NotOnThisListener).ToResult().ExecuteAsync(context);
            return;
        }

        if (!hosts.Allows(request.Host))
        {
            logger.LogWarning("Refused {Method} {Path} for Host '{Host}' (not this machine; see ControlApi:AllowedHosts)", request.Method, request.Path, request.Host.Value);
            await new ApiError(ApiError.Invalid, "Host", $"Host '{request.Host.Value}' is not a name of this control API: add it to ControlApi:AllowedHosts").ToResult().ExecuteAsync(context);
            return;
        }

        if (MayCarryBody(request) && !JsonBody.IsJson(request.ContentType))
        {
            await JsonBody.NotJson(request.ContentType).ToResult().ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>Health and metrics: read by probes and scrapers on the plain health endpoint.</summary>
    public static bool IsOpenEverywhere(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/metrics", StringComparison.OrdinalIgnoreCase);

    /// <summary>POST, PUT and PATCH always (an empty body is still a request to change something); others when a body is sent.</summary>
    public static bool MayCarryBody(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)
        || request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    /// <summary>
    /// Did the request come through the unix socket? Its endpoint says so where Kestrel passes it on; else a connection
    /// with neither a local nor a remote IP address is one (every TCP connection has both).
    /// </summary>
    public static bool OnSocket(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionEndPointFeature>()?.LocalEndPoint is { } endpoint
            ? endpoint is UnixDomainSocketEndPoint
            : context.Connection.LocalIpAddress is null && context.Connection.RemoteIpAddress is null;

    private async Task<bool> AllowedAsync(HttpContext context)
    {
        if (OnSocket(context))
        {
            return true;
        }

        if (context.Connection.ClientCertificate is not { } certificate)
        {
            return false;
        }

        if (await admins.VerifyAsync(certificate, [], context.RequestAborted) is { } problem)
        {
            logger.LogWarning("Refused a client certificate ({Subject}) from {Remote}: {Problem}", certificate.Subject, context.Connection.RemoteIpAddress, problem);
            return false;
        }

        return true;
    }
}

/// <summary>The Host header values the API answers (see <see cref="ControlApiAccess"/>).</summary>
public sealed class AllowedHosts
{
    public const string Key = "ControlApi:AllowedHosts";
    private readonly HashSet<string> _names;

    public AllowedHosts(IConfiguration configuration)
    {
        var section = configuration.GetSection(Key);
        var configured = section.Value is { Length: > 0 } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value).OfType<string>();
        _names = new HashSet<string>(configured.Append("localhost").Append(Environment.MachineName), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// An empty Host (a unix-socket client may send none), localhost, any IP address (a rebinding attack needs a name
    /// of the attacker's, never an address) or a configured name; the port does not matter.
    /// </summary>
    public bool Allows(HostString host)
    {
        if (!host.HasValue || host.Host.Length == 0)
        {
            return true;
        }

        var name = host.Host.TrimEnd('.');
        return _names.Contains(name) || IPAddress.TryParse(name.Trim('[', ']'), out _);
    }
}
