using Google.Protobuf;
using Grpc.Core;
using Swarm.Dispatcher.Security;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.Dispatcher.Api;

/// <summary>
/// The cluster CA as nodes reach it (SwarmKit's NodeCA), served by every replica, leader or not: a joining node
/// trades a join token and a signing request for its certificate; a member renews its own; anyone may read the
/// roots. What is logged names nodes and roles, never a token or key material.
/// </summary>
public sealed class NodeCaService : NodeCA.NodeCABase
{
    private readonly ICertificateAuthority _ca;
    private readonly NodeAuthenticator _authenticator;
    private readonly ClusterTrust _trust;
    private readonly ILogger<NodeCaService> _logger;

    public NodeCaService(ICertificateAuthority ca, NodeAuthenticator authenticator, ClusterTrust trust, ILogger<NodeCaService> logger)
    {
        _ca = ca;
        _authenticator = authenticator;
        _trust = trust;
        _logger = logger;
    }

    public override async Task<NodeCertificateResponse> IssueNodeCertificate(IssueNodeCertificateRequest request, ServerCallContext context)
    {
        var peer = DispatcherService.PeerAddress(context.Peer);
        NodeCertificate issued;
        try
        {
            issued = await _ca.IssueForTokenAsync(request.Csr.ToByteArray(), request.Token, context.CancellationToken);
        }
        catch (ClusterLockedException)
        {
            _logger.LogWarning("a join from {Peer} was refused: this replica is locked (autolock)", peer);
            throw DispatcherService.Locked();
        }
        catch (JoinRefusedException ex)
        {
            _logger.LogWarning("a join from {Peer} was refused: {Reason}", peer, ex.Message);
            throw new RpcException(new Status(StatusCode.PermissionDenied, ex.Message));
        }
        catch (InvalidCertificateRequestException ex)
        {
            _logger.LogWarning("a join from {Peer} was refused: {Reason}", peer, ex.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }

        _logger.LogInformation("node {NodeId} joined from {Peer} as {Role} (certificate serial {Serial}, valid until {NotAfter:u})",
            issued.NodeId, peer, issued.Role, issued.Certificate.SerialNumber, issued.Certificate.NotAfter.ToUniversalTime());
        return ToResponse(issued);
    }

    public override async Task<NodeCertificateResponse> RenewNodeCertificate(RenewNodeCertificateRequest request, ServerCallContext context)
    {
        // a valid certificate of this cluster, of a node that was not removed
        var caller = _authenticator.Authenticate(context);
        NodeCertificate issued;
        try
        {
            issued = await _ca.RenewAsync(request.Csr.ToByteArray(), caller.Identity, context.CancellationToken);
        }
        catch (ClusterLockedException)
        {
            throw DispatcherService.Locked();
        }
        catch (InvalidCertificateRequestException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }

        _logger.LogInformation("node {NodeId} renewed its {Role} certificate (serial {Serial}, valid until {NotAfter:u})",
            issued.NodeId, issued.Role, issued.Certificate.SerialNumber, issued.Certificate.NotAfter.ToUniversalTime());
        return ToResponse(issued);
    }

    public override async Task<GetRootCACertificateResponse> GetRootCACertificate(GetRootCACertificateRequest request, ServerCallContext context)
    {
        var state = _trust.Current?.Ca ?? await _ca.CurrentAsync(context.CancellationToken);
        var response = new GetRootCACertificateResponse();
        response.Roots.AddRange(state.Roots.Select(r => ByteString.CopyFrom(r.RawData)));
        response.Intermediates.AddRange(state.Intermediates.Select(i => ByteString.CopyFrom(i.RawData)));
        return response;
    }

    private static NodeCertificateResponse ToResponse(NodeCertificate issued)
    {
        var response = new NodeCertificateResponse
        {
            NodeId = issued.NodeId,
            Role = issued.Role,
            Certificate = ByteString.CopyFrom(issued.Certificate.RawData),
        };
        response.Intermediates.AddRange(issued.Intermediates.Select(i => ByteString.CopyFrom(i.RawData)));
        response.Roots.AddRange(issued.Roots.Select(r => ByteString.CopyFrom(r.RawData)));
        return response;
    }
}
