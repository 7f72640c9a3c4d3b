using System.Net;
using System.Text;

namespace Swarm.Ctl.Tests;

/// <summary>
/// An in-process control API whose answers are written by a handler: it sees the method, the path
/// (with query, without the leading slash) and the body, and writes the answer itself, so it can
/// stream or hold the answer open. Records every request as <c>METHOD path body</c>.
/// </summary>
internal sealed class ScriptedApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ScriptedRequest, HttpListenerResponse, Task> _handler;
    private readonly Task _loop;
    private readonly List<Task> _answers = [];

    public ScriptedApi(Func<ScriptedRequest, HttpListenerResponse, Task> handler)
    {
        _handler = handler;
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

    /// <summary>Writes <paramref name="json"/> with <paramref name="status"/> and closes the answer.</summary>
    public static async Task JsonAsync(HttpListenerResponse response, string json, int status = 200)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var request = new ScriptedRequest(context.Request.HttpMethod, context.Request.RawUrl!.TrimStart('/'), await reader.ReadToEndAsync());
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.Path} {request.Body}".TrimEnd());
            }

            lock (_answers)
            {
                _answers.Add(Task.Run(async () =>
                {
                    try
                    {
                        await _handler(request, context.Response);
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
                    {
                        // the client went away
                    }
                }));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        Task[] answers;
        lock (_answers)
        {
            answers = [.. _answers];
        }

        await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(5));
    }
}

internal sealed record ScriptedRequest(string Method, string Path, string Body);
