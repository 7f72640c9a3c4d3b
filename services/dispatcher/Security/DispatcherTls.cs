using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Swarm.Dispatcher.Leadership;

namespace Swarm.Dispatcher.Security;

/// <summary>
/// Mutual TLS on the agent-facing endpoint. The <c>Grpc</c> Kestrel endpoint must be <c>https://</c>: it presents
/// this replica's manager certificate (with the cross-signed root during a rotation, <see cref="ClusterTrust"/>)
/// and asks for a client certificate without requiring one (a joining node has none yet and may only call
/// <c>NodeCA</c>); a certificate that is offered must chain to the cluster's roots, be of this cluster and of a
/// node role, and be valid now — else the handshake fails. The <c>Http</c> endpoint (health, metrics, Raft status,
/// logs) stays plain HTTP and serves no gRPC call.
/// </summary>
public static class DispatcherTls
{
    public const string GrpcEndpoint = "Grpc";

    public static void AddDispatcherTls(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>()
            .Configure<ClusterTrust, IConfiguration>((kestrel, trust, configuration) =>
            {
                CheckEndpoints(configuration);
                kestrel.ConfigureHttpsDefaults(https => Configure(https, trust));
            });
    }

    /// <summary>The TLS settings of an https endpoint served with <paramref name="trust"/>.</summary>
    public static void Configure(HttpsConnectionAdapterOptions https, ClusterTrust trust)
    {
        // Kestrel needs a certificate or a selector; OnAuthenticate below replaces it by the context with intermediates
        https.ServerCertificateSelector = (_, _) => trust.Current?.ManagerCertificate;
        https.OnAuthenticate = (_, ssl) =>
        {
            if (trust.Current is { } current)
            {
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificate = null;
                ssl.ServerCertificateContext = current.ServerContext;
            }
        };
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
        https.CheckCertificateRevocation = false;

        // the machine's trust store plays no part (chain errors reported by SslStream are expected): only the cluster's roots
        https.ClientCertificateValidation = (certificate, _, _) => trust.VerifyPeer(certificate) is null;
    }

    /// <summary>
    /// Refuses a configuration that would carry agent traffic in the clear: the <c>Grpc</c> endpoint over plain
    /// HTTP, or a leader address handed to agents (<c>Dispatcher:Raft:AgentAddresses</c>) that is not https.
    /// </summary>
    public static void CheckEndpoints(IConfiguration configuration)
    {
        var url = configuration[$"Kestrel:Endpoints:{GrpcEndpoint}:Url"];
        if (!string.IsNullOrWhiteSpace(url) && !url.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"Kestrel:Endpoints:{GrpcEndpoint}:Url is '{url}': the agent endpoint must be https:// (agents and the dispatcher authenticate each other with the cluster's certificates); " +
                $"set it to https://HOST:PORT (environment variable Kestrel__Endpoints__{GrpcEndpoint}__Url)");
        }

        var addresses = configuration.GetSection(RaftOptions.Section).Get<RaftOptions>()?.AgentAddresses ?? [];
        foreach (var address in addresses)
        {
            if (!address.Trim().StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"{RaftOptions.Section}:AgentAddresses has '{address}': the leader address agents are sent to must be https://");
            }
        }
    }

    /// <summary>
    /// Answers a gRPC call that arrived on a connection without TLS (the <c>Http</c> endpoint, or any other plain
    /// one) with PERMISSION_DENIED instead of serving it: a join token or a session must never travel in the clear.
    /// </summary>
    public static IApplicationBuilder RefuseGrpcWithoutTls(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.IsHttps && context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null)
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.PermissionDenied).ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"gRPC is served only over TLS, on the {GrpcEndpoint} endpoint");
                return;
            }

            await next(context);
        });
}
