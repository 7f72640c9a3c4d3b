using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace Swarm.Ctl.Tests;

/// <summary>
/// A control API double on Kestrel: on a unix socket, or on loopback TLS requiring a client certificate. Answers
/// each request with <paramref name="answer"/> (status and JSON) and records <c>METHOD path content-type body</c>.
/// </summary>
internal sealed class KestrelApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelApi(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    public List<string> Requests { get; } = [];

    /// <summary>The client certificate subjects of the TLS connections seen.</summary>
    public List<string> ClientSubjects { get; } = [];

    public static Task<KestrelApi> OnSocketAsync(string path, Func<string, string, (int Status, string Json)> answer) =>
        StartAsync(o => o.ListenUnixSocket(path), "unix://" + path, answer);

    /// <summary>TLS with <paramref name="server"/>; any client certificate is taken (the test checks what the client does).</summary>
    public static Task<KestrelApi> OverTlsAsync(X509Certificate2 server, Func<string, string, (int Status, string Json)> answer)
    {
        var port = Ports.Free();
        return StartAsync(o => o.Listen(IPAddress.Loopback, port, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = server,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })), $"https://127.0.0.1:{port}", answer);
    }

    private static async Task<KestrelApi> StartAsync(Action<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions> listen, string address, Func<string, string, (int, string)> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(listen);
        var app = builder.Build();
        var api = new KestrelApi(app, address);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value!.TrimStart('/') + context.Request.QueryString;
            lock (api.Requests)
            {
                api.Requests.Add($"{context.Request.Method} {path} {context.Request.ContentType} {body}".TrimEnd());
                if (context.Connection.ClientCertificate is { } c)
                {
                    api.ClientSubjects.Add(c.Subject);
                }
            }

            var (status, json) = answer(context.Request.Method, path);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(json);
        });
        await app.StartAsync();
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
