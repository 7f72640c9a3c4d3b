using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Swarm.Worker.Exec.Docker;

/// <summary>
/// The routing mesh of one agent on one engine: while this agent runs at least one running task of a service
/// with an ingress-mode published port, it listens on <c>0.0.0.0:&lt;published&gt;</c> and forwards each TCP
/// connection, round-robin, to one of its local tasks at <c>&lt;ingress address&gt;:&lt;target&gt;</c> (the
/// containers' bridge addresses are reachable from the host). The socket is opened with <c>SO_REUSEPORT</c>,
/// so several agents on one host share the port and the kernel spreads connections among them. When the last
/// such task ends the port is closed. UDP ingress ports are not forwarded (logged once).
/// </summary>
internal sealed class IngressProxy : IDisposable
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    private readonly ILogger _logger;
    private readonly Dictionary<int, Listener> _listeners = [];
    private readonly HashSet<int> _udpLogged = [];
    private readonly Lock _lock = new();

    public IngressProxy(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>The published ports this agent listens on now.</summary>
    public IReadOnlyList<int> Ports
    {
        get
        {
            lock (_lock)
            {
                return _listeners.Keys.Order().ToList();
            }
        }
    }

    /// <summary>Starts forwarding the task's ingress ports to it (a task without an address is skipped).</summary>
    public void Add(TaskAssignment task)
    {
        var address = IngressAddress(task);
        foreach (var port in task.Spec.Ports.Where(p => !p.IsHost && p.Published > 0))
        {
            if (port.IsUdp)
            {
                lock (_lock)
                {
                    if (_udpLogged.Add(port.Published))
                    {
                        _logger.LogWarning("ingress port {Port}/udp of {Service} is not forwarded: the routing mesh forwards TCP only", port.Published, task.ServiceName);
                    }
                }

                continue;
            }

            if (address is null)
            {
                _logger.LogWarning("task {TaskId}: no network address, ingress port {Port} is not forwarded to it", task.TaskId, port.Published);
                continue;
            }

            lock (_lock)
            {
                if (!_listeners.TryGetValue(port.Published, out var listener))
                {
                    try
                    {
                        listener = new Listener(port.Published, _logger);
                    }
                    catch (SocketException ex)
                    {
                        _logger.LogWarning("ingress port {Port}: cannot listen: {Message}", port.Published, ex.Message);
                        continue;
                    }

                    _listeners[port.Published] = listener;
                    _logger.LogInformation("ingress port {Port}: listening (service {Service})", port.Published, task.ServiceName);
                }

                listener.Add(task.TaskId, new IPEndPoint(address, port.Target));
            }
        }
    }

    /// <summary>Stops forwarding to the task; a port with no task left is closed.</summary>
    public void Remove(string taskId)
    {
        List<Listener> closed = [];
        lock (_lock)
        {
            foreach (var (port, listener) in _listeners.ToList())
            {
                if (listener.Remove(taskId) && listener.IsEmpty)
                {
                    _listeners.Remove(port);
                    closed.Add(listener);
                    _logger.LogInformation("ingress port {Port}: closed (no local task left)", port);
                }
            }
        }

        foreach (var listener in closed)
        {
            listener.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var listener in _listeners.Values)
            {
                listener.Dispose();
            }

            _listeners.Clear();
        }
    }

    /// <summary>The task's address on the <c>ingress</c> network, else on its first network.</summary>
    private static IPAddress? IngressAddress(TaskAssignment task)
    {
        var network = task.Spec.Networks.FirstOrDefault(n => n.NetworkName == TaskNetwork.IngressName && n.Address.Length > 0)
            ?? task.Spec.Networks.FirstOrDefault(n => n.Address.Length > 0);
        return network is not null && IPAddress.TryParse(network.Address, out var ip) ? ip : null;
    }

    private sealed class Listener : IDisposable
    {
        private readonly Socket _socket;
        private readonly ILogger _logger;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(string TaskId, IPEndPoint Backend)> _backends = [];
        private int _next;

        public Listener(int port, ILogger logger)
        {
            _logger = logger;
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    _socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                }

                _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                _socket.Bind(new IPEndPoint(IPAddress.Any, port));
                _socket.Listen(512);
            }
            catch
            {
                _socket.Dispose();
                throw;
            }

            _ = AcceptAsync(_stop.Token);
        }

        public bool IsEmpty
        {
            get
            {
                lock (_backends)
                {
                    return _backends.Count == 0;
                }
            }
        }

        public void Add(string taskId, IPEndPoint backend)
        {
            lock (_backends)
            {
                _backends.RemoveAll(b => b.TaskId == taskId);
                _backends.Add((taskId, backend));
            }
        }

        public bool Remove(string taskId)
        {
            lock (_backends)
            {
                return _backends.RemoveAll(b => b.TaskId == taskId) > 0;
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
        }

        private List<IPEndPoint> Order()
        {
            lock (_backends)
            {
                if (_backends.Count == 0)
                {
                    return [];
                }

                var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)_backends.Count);
                return _backends.Skip(start).Concat(_backends.Take(start)).Select(b => b.Backend).ToList();
            }
        }

        private async Task AcceptAsync(CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _socket.AcceptAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }

                _ = ForwardAsync(client, cancellationToken);
            }
        }

        private async Task ForwardAsync(Socket client, CancellationToken cancellationToken)
        {
            using var _ = client;
            client.NoDelay = true;
            foreach (var backend in Order())
            {
                using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    connect.CancelAfter(TimeSpan.FromSeconds(5));
                    await upstream.ConnectAsync(backend, connect.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    _logger.LogDebug("ingress: {Backend} refused a connection: {Message}", backend, ex.Message);
                    continue;
                }

                await Task.WhenAll(PipeAsync(client, upstream, cancellationToken), PipeAsync(upstream, client, cancellationToken));
                return;
            }
        }

        private static async Task PipeAsync(Socket from, Socket to, CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, cancellationToken);
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                try
                {
                    to.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }
}
