using Grpc.Core;
using Grpc.Net.Client;

namespace Swarm.Worker.Agent;

/// <summary>
/// The dispatcher replicas an agent may talk to, and the one it talks to now. Calls made through
/// this invoker go to the current replica; <see cref="Follow"/> moves to the leader a follower named,
/// <see cref="Failover"/> to the next configured address. Both take the <see cref="Generation"/> the
/// caller saw, so several callers sharing the connection that see the same failure move only once.
/// A leader named in a trailer is reached over TLS like the others: its certificate is checked the same way.
/// </summary>
public sealed class DispatcherEndpoints : CallInvoker, IDisposable
{
    private readonly object _gate = new();
    private readonly List<Uri> _addresses;
    private readonly Func<Uri, GrpcChannel> _connect;
    private readonly Dictionary<Uri, GrpcChannel> _channels = [];
    private readonly List<GrpcChannel> _retired = [];
    private int _current;
    private long _generation;

    public DispatcherEndpoints(IReadOnlyList<Uri> addresses, Func<Uri, GrpcChannel> connect)
    {
        if (addresses.Count == 0)
        {
            throw new ArgumentException("at least one dispatcher address is needed", nameof(addresses));
        }

        _addresses = [.. addresses.Distinct()];
        _connect = connect;
    }

    public IReadOnlyList<Uri> Addresses
    {
        get
        {
            lock (_gate)
            {
                return [.. _addresses];
            }
        }
    }

    public Uri Current
    {
        get
        {
            lock (_gate)
            {
                return _addresses[_current];
            }
        }
    }

    /// <summary>Counts the moves from one replica to another.</summary>
    public long Generation
    {
        get
        {
            lock (_gate)
            {
                return _generation;
            }
        }
    }

    /// <summary>Moves to the next address, unless someone moved since <paramref name="seen"/>.</summary>
    public bool Failover(long seen)
    {
        lock (_gate)
        {
            if (seen != _generation || _addresses.Count == 1)
            {
                return false;
            }

            _current = (_current + 1) % _addresses.Count;
            _generation++;
            return true;
        }
    }

    /// <summary>Moves to the leader a follower named (added to the list when new), unless someone moved since <paramref name="seen"/>.</summary>
    public bool Follow(string leader, long seen)
    {
        if (!Uri.TryCreate(leader, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            return Failover(seen);
        }

        lock (_gate)
        {
            if (seen != _generation)
            {
                return false;
            }

            var index = _addresses.IndexOf(uri);
            if (index < 0)
            {
                _addresses.Add(uri);
                index = _addresses.Count - 1;
            }

            if (index == _current)
            {
                return false;
            }

            _current = index;
            _generation++;
            return true;
        }
    }

    /// <summary>
    /// Calls from now on go over new connections (after a certificate renewal, so that they present the new one);
    /// calls already open, such as the session stream, carry on over the old ones until <see cref="ReleaseRetired"/>.
    /// </summary>
    public void Reconnect()
    {
        lock (_gate)
        {
            _retired.AddRange(_channels.Values);
            _channels.Clear();
        }
    }

    /// <summary>Closes the connections <see cref="Reconnect"/> set aside (once the calls on them ended).</summary>
    public void ReleaseRetired()
    {
        lock (_gate)
        {
            foreach (var channel in _retired)
            {
                channel.Dispose();
            }

            _retired.Clear();
        }
    }

    private CallInvoker Invoker
    {
        get
        {
            lock (_gate)
            {
                var address = _addresses[_current];
                if (!_channels.TryGetValue(address, out var channel))
                {
                    channel = _connect(address);
                    _channels[address] = channel;
                }

                return channel.CreateCallInvoker();
            }
        }
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Invoker.BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Invoker.AsyncUnaryCall(method, host, options, request);

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Invoker.AsyncServerStreamingCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Invoker.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        Invoker.AsyncDuplexStreamingCall(method, host, options);

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var channel in _channels.Values.Concat(_retired))
            {
                channel.Dispose();
            }

            _channels.Clear();
            _retired.Clear();
        }
    }
}
