using Swarm.Testing;
using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Swarm.EndToEndTests.Otlp;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>A span as a test reads it: which process sent it, ids as hex, times, attributes as text.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string Name,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);

    public override string ToString() => $"{Start:HH:mm:ss.fff} {Service,-12} {Name} [{string.Join(", ", Attributes.Where(a => a.Key.StartsWith("swarm.", StringComparison.Ordinal)).Select(a => $"{a.Key}={a.Value}"))}]";
}

/// <summary>
/// A local OTLP/HTTP receiver on a loopback port: the cluster's processes export to it
/// (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>) and the test reads the spans it got.
/// Metrics and logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _loop;

    public OtlpReceiver()
    {
        var port = LoopbackPorts.Free();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Endpoint { get; }

    /// <summary>What to add to a process's environment so it exports here, quickly.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "60000",
    };

    public IReadOnlyList<ReceivedSpan> Spans => _spans.ToList();

    private async Task LoopAsync()
    {
        var dropped = 0;
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException && ++dropped < 100)
            {
                // a connection an exporting process dropped as it stopped: the listener goes on
                continue;
            }

            try
            {
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    Add(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }
            catch (InvalidProtocolBufferException)
            {
                context.Response.StatusCode = 400;
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value?.StringValue ?? "";
            foreach (var scope in resource.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    _spans.Enqueue(new ReceivedSpan(
                        service,
                        scope.Scope?.Name ?? "",
                        span.Name,
                        Convert.ToHexStringLower(span.TraceId.Span),
                        Convert.ToHexStringLower(span.SpanId.Span),
                        Convert.ToHexStringLower(span.ParentSpanId.Span),
                        FromUnixNanos(span.StartTimeUnixNano),
                        FromUnixNanos(span.EndTimeUnixNano),
                        span.Attributes.ToDictionary(a => a.Key, a => Text(a.Value))));
                }
            }
        }
    }

    private static DateTimeOffset FromUnixNanos(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}
