using System.Net.Sockets;

namespace Swarm.Testing;

/// <summary>An HTTP client whose every connection goes to a unix socket (the control API's default transport).</summary>
public static class UnixSocketHttp
{
    public static HttpClient Create(string socketPath, TimeSpan? timeout = null) => new(Handler(socketPath))
    {
        BaseAddress = new Uri("http://localhost/"),
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
    };

    public static SocketsHttpHandler Handler(string socketPath) => new()
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
    };
}
