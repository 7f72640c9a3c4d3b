using Marten;
using Swarm.ControlApi.Common;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Nodes;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.ControlApi.Cluster;

/// <summary>
/// <c>/api/cluster/ca</c>: the cluster CA's roots, a root rotation, and administrators' client certificates
/// (the API signs a request; the key stays with the administrator).
/// </summary>
public static class CaEndpoints
{
    /// <summary>A client certificate's name: what its CN may hold.</summary>
    public const int MaxNameLength = 64;

    public static IEndpointRouteBuilder MapCaEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cluster/ca").WithTags("cluster");

        group.MapGet("/", GetAsync)
            .WithName("GetClusterCa")
            .WithSummary("The roots the cluster trusts (signing root first), the node certificate lifetime and the rotation under way")
            .Produces<CaView>();

        group.MapPost("/rotate", RotateAsync)
            .WithName("RotateClusterCa")
            .WithSummary("Start a root rotation: a new root signs from now on, cross-signed by the old until every node renewed")
            .Produces<CaView>()
            .ProducesErrors(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/client-certificate", IssueClientCertificateAsync)
            .WithName("IssueClientCertificate")
            .WithSummary("Sign an administrator's certificate request (role swarm-manager) for the TLS endpoint of this API")
            .Accepts<ClientCertificateRequest>("application/json")
            .Produces<ClientCertificateView>()
            .ProducesErrors(StatusCodes.Status400BadRequest);

        return app;
    }

    private static async Task<IResult> GetAsync(ClusterCa ca, IQuerySession session, CancellationToken ct) =>
        Results.Ok(CaViews.From(await ca.CurrentAsync(ct), await NodesAsync(session, ct)));

    private static async Task<IResult> RotateAsync(HttpRequest request, ClusterCa ca, IQuerySession session, ILoggerFactory loggers, CancellationToken ct)
    {
        var (_, error) = await JsonBody.ReadAsync<EmptyRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        var state = await ca.StartRootRotationAsync(ct);
        loggers.CreateLogger(typeof(CaEndpoints)).LogInformation("Root rotation started: new signing root {Root}", state.RootFingerprints[0]);
        return Results.Ok(CaViews.From(state, await NodesAsync(session, ct)));
    }

    private static async Task<IResult> IssueClientCertificateAsync(HttpRequest request, ClusterCa ca, ILoggerFactory loggers, CancellationToken ct)
    {
        var (body, error) = await JsonBody.ReadAsync<ClientCertificateRequest>(request, "");
        if (error is not null)
        {
            return error;
        }

        var name = body!.Name.Trim();
        if (NameProblem(name) is { } problem)
        {
            return ApiError.BadRequest("name", problem);
        }

        byte[] csr;
        try
        {
            csr = Convert.FromBase64String(body.Csr);
        }
        catch (FormatException)
        {
            return ApiError.BadRequest("csr", "must be a certificate signing request (DER) in base64");
        }

        if (csr.Length == 0)
        {
            return ApiError.BadRequest("csr", "a certificate signing request (DER, base64) is required");
        }

        NodeCertificate issued;
        try
        {
            issued = await ca.IssueClientCertificateAsync(csr, name, ct);
        }
        catch (InvalidCertificateRequestException ex)
        {
            return ApiError.BadRequest("csr", ex.Message);
        }

        loggers.CreateLogger(typeof(CaEndpoints)).LogInformation("Client certificate issued to {Name}: serial {Serial}, valid until {NotAfter:u}",
            name, issued.Certificate.SerialNumber, issued.Certificate.NotAfter.ToUniversalTime());
        return Results.Ok(new ClientCertificateView
        {
            Certificate = Pem.Certificates([issued.Certificate, .. issued.Intermediates]),
            Ca = Pem.Certificates(issued.Roots),
        });
    }

    /// <summary>Null when <paramref name="name"/> may name a client certificate: letters, digits, <c>.-_@</c>, 1–64 characters.</summary>
    public static string? NameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "a name is required (it becomes the certificate's CN, e.g. your user name)";
        }

        if (name.Length > MaxNameLength)
        {
            return $"at most {MaxNameLength} characters, got {name.Length}";
        }

        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@')
            ? null
            : "only letters, digits, '.', '-', '_' and '@' are allowed";
    }

    private static async Task<IReadOnlyList<Node>> NodesAsync(IQuerySession session, CancellationToken ct) =>
        await session.Query<Node>().ToListAsync(ct);
}
