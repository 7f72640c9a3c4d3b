using System.Net;
using System.Net.Sockets;
using System.Text;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Tests;

internal static class Cli
{
    /// <summary>Parses <paramref name="args"/> and asserts it is a command of type <typeparamref name="T"/>.</summary>
    public static T Command<T>(params string[] args)
        where T : CliCommand
    {
        var result = CliParser.Parse(args);
        var parsed = Assert.IsType<ParsedCommand>(result);
        return Assert.IsType<T>(parsed.Command);
    }

    public static UsageError Usage(params string[] args)
    {
        var result = CliParser.Parse(args);
        return Assert.IsType<UsageError>(result);
    }
}

internal static class Ports
{
    /// <summary>A loopback port that was free a moment ago (bound to port 0, then released).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>
/// A tiny in-process control API: answers GET paths (path and query, without the leading slash) with
/// canned JSON and records every request it saw. Anything unknown gets 404.
/// </summary>
internal sealed class FakeApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, string> _answers = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public FakeApi(IReadOnlyDictionary<string, string> answers)
    {
        foreach (var (path, json) in answers)
        {
            _answers[path] = json;
        }

        // a port can be taken between Free() and Start(); try a few
        for (var attempt = 0; ; attempt++)
        {
            var port = Ports.Free();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; } = "";

    public List<string> Requests { get; } = [];

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var key = context.Request.RawUrl!.TrimStart('/');
            lock (Requests)
            {
                Requests.Add($"{context.Request.HttpMethod} {key}");
            }

            var found = context.Request.HttpMethod == "GET" && _answers.TryGetValue(key, out var body);
            var bytes = Encoding.UTF8.GetBytes(found ? _answers[key] : """{"code":"not_found","field":"","reason":"no such thing"}""");
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
