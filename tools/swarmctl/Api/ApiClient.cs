using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Swarm.ControlApi.Contracts;

namespace Swarm.Ctl.Api;

/// <summary>A failed call: <see cref="Exception.Message"/> is the one line shown to the user.</summary>
public sealed class ApiException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// HTTP client of the control API. Every failure becomes an <see cref="ApiException"/> with a readable reason;
/// <paramref name="transport"/>, when given, names the address as the user gave it (a socket's path) and explains a
/// refused connection.
/// </summary>
public sealed class ApiClient(HttpClient http, ApiTransport? transport = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public Uri BaseAddress => http.BaseAddress!;

    public Task<T> GetAsync<T>(string path, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Get, path, null, ct);

    /// <summary>The answer's JSON as it came (for <c>--format json</c>).</summary>
    public Task<JsonNode> GetJsonAsync(string path, CancellationToken ct = default) => SendAsync<JsonNode>(HttpMethod.Get, path, null, ct);

    public Task<CommandResult> PostAsync(string path, object body, CancellationToken ct = default) => SendAsync<CommandResult>(HttpMethod.Post, path, body, ct);

    /// <summary>A POST whose answer is not a command result (the CA's and the join tokens' routes).</summary>
    public Task<T> PostAsync<T>(string path, object body, CancellationToken ct = default) => SendAsync<T>(HttpMethod.Post, path, body, ct);

    public Task<CommandResult> DeleteAsync(string path, CancellationToken ct = default) => SendAsync<CommandResult>(HttpMethod.Delete, path, null, ct);

    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>
    /// Reads a plain text answer line by line as it arrives, handing each line to <paramref name="onLine"/>
    /// (for log streams). Returns when the API ends the answer; an error answer becomes an <see cref="ApiException"/>.
    /// </summary>
    public async Task StreamLinesAsync(string path, Func<string, Task> onLine, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        HttpResponseMessage response;
        try
        {
            // only the headers are bound by the client's timeout; a followed stream runs until ended
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException(Unreachable(ex));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApiException($"the API at {Display(BaseAddress)} did not answer within {http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new ApiException(ErrorLine(response.StatusCode, await response.Content.ReadAsStringAsync(ct)), response.StatusCode);
            }

            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var reader = new StreamReader(body, System.Text.Encoding.UTF8);
            try
            {
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    await onLine(line);
                }
            }
            catch (IOException ex) when (!ct.IsCancellationRequested)
            {
                throw new ApiException($"the log stream from {Display(BaseAddress)} broke off: {ex.GetBaseException().Message}");
            }
            catch (HttpRequestException ex) when (!ct.IsCancellationRequested)
            {
                throw new ApiException($"the log stream from {Display(BaseAddress)} broke off: {ex.GetBaseException().Message}");
            }
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException(Unreachable(ex));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApiException($"the API at {Display(BaseAddress)} did not answer within {http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new ApiException(ErrorLine(response.StatusCode, text), response.StatusCode);
            }

            try
            {
                return JsonSerializer.Deserialize<T>(text, Json) ?? throw new JsonException("empty answer");
            }
            catch (JsonException ex)
            {
                throw new ApiException($"unexpected answer from {Display(BaseAddress)}{path}: {ex.Message}");
            }
        }
    }

    /// <summary><c>field: reason</c> from an error body, or the HTTP status when the body is not one.</summary>
    public static string ErrorLine(HttpStatusCode status, string body)
    {
        try
        {
            var error = JsonSerializer.Deserialize<ApiErrorBody>(body, Json);
            if (error is { Reason.Length: > 0 })
            {
                return error.Field.Length > 0 ? $"{error.Field}: {error.Reason}" : error.Reason;
            }
        }
        catch (JsonException)
        {
            // not an error body; fall through to the status line
        }

        var detail = string.IsNullOrWhiteSpace(body) ? "" : $": {body.Trim().ReplaceLineEndings(" ")}";
        if (detail.Length > 200)
        {
            detail = detail[..200] + "…";
        }

        return $"the API answered {(int)status} {status}{detail}";
    }

    private string Unreachable(HttpRequestException ex)
    {
        if (ex.InnerException is ApiTransportException refused)
        {
            return refused.Message;
        }

        if (ex.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            return transport?.ServerProblem is { } problem
                ? $"TLS: the API at {Display(BaseAddress)} is not a manager of the cluster whose CA you gave (--tlscacert): {problem}"
                : $"TLS handshake with the API at {Display(BaseAddress)} failed ({ex.GetBaseException().Message}): the server refused the client certificate? It must be a manager's of this cluster (swarmctl cluster ca --issue-client-cert)";
        }

        var reason = ex.InnerException is SocketException socket
            ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "unknown host",
                SocketError.TimedOut => "connection timed out",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
                _ => socket.Message,
            }
            : ex.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.NameResolutionError => "unknown host",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                _ => ex.GetBaseException().Message,
            };
        return $"cannot reach the API at {Display(BaseAddress)} ({reason}); is the cluster up? (./swarm up)";
    }

    private string Display(Uri uri) => transport?.Display ?? uri.ToString().TrimEnd('/');
}
