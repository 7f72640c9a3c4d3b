using Google.Protobuf;
using Grpc.Core;
using Swarm.Dispatcher.Api;
using Swarm.Security;

namespace Swarm.Worker.Tests.Ca;

/// <summary>The NodeCA's renewal and roots, answered in process (for the renewer's unit tests).</summary>
public sealed class FakeCaInvoker(Func<DateTimeOffset> now) : CallInvoker
{
    private readonly Queue<StatusCode> _failures = new();

    /// <summary>Signs renewed certificates.</summary>
    public required RootCa Issuer { get; set; }

    public IReadOnlyList<RootCa> Roots { get; set; } = [];
    public IReadOnlyList<byte[]> Intermediates { get; set; } = [];
    public TimeSpan Validity { get; set; } = TimeSpan.FromHours(100);
    public string NodeId { get; set; } = "node-1";
    public int Renewals { get; private set; }
    public int RootRequests { get; private set; }

    /// <summary>How many injected failures are still to come.</summary>
    public int PendingFailures
    {
        get
        {
            lock (this)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>The next calls fail with these codes, one each.</summary>
    public void FailNext(params StatusCode[] codes)
    {
        foreach (var code in codes)
        {
            _failures.Enqueue(code);
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        object answer;
        lock (this)
        {
            if (_failures.TryDequeue(out var code))
            {
                return Reply<TResponse>(Task.FromException<TResponse>(new RpcException(new Status(code, "injected"))));
            }

            answer = method.Name switch
            {
                "RenewNodeCertificate" => Renew((RenewNodeCertificateRequest)(object)request),
                "GetRootCACertificate" => RootsAnswer(),
                _ => throw new RpcException(new Status(StatusCode.Unimplemented, method.Name)),
            };
        }

        return Reply(Task.FromResult((TResponse)answer));
    }

    private NodeCertificateResponse Renew(RenewNodeCertificateRequest request)
    {
        Renewals++;
        using var issued = Issuer.Issue(request.Csr.ToByteArray(), new CertificateIdentity(NodeId, NodeRoles.Worker, TestCa.ClusterId), now(), Validity);
        var answer = new NodeCertificateResponse { NodeId = NodeId, Role = NodeRoles.Worker, Certificate = ByteString.CopyFrom(issued.RawData) };
        answer.Intermediates.AddRange(Intermediates.Select(ByteString.CopyFrom));
        answer.Roots.AddRange(Roots.Select(r => ByteString.CopyFrom(r.Certificate.RawData)));
        return answer;
    }

    private GetRootCACertificateResponse RootsAnswer()
    {
        RootRequests++;
        var answer = new GetRootCACertificateResponse();
        answer.Roots.AddRange(Roots.Select(r => ByteString.CopyFrom(r.Certificate.RawData)));
        return answer;
    }

    private static AsyncUnaryCall<T> Reply<T>(Task<T> response) =>
        new(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();
}
