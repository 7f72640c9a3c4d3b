using System.Net.Sockets;

namespace Swarm.ScaleBench;

/// <summary>HTTP to the control API through its unix socket, the way swarmctl reaches it without flags.</summary>
public static class ControlSocket
{
    public static HttpClient Client(string socketPath, TimeSpan timeout) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = new Uri("http://localhost/"),
        Timeout = timeout,
    };
}
