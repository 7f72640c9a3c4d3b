using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Running;

/// <summary>swarmctl's entry point: parse, find the API, run, map failures to exit codes.</summary>
public static class SwarmCtl
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>The control socket every cluster started on this machine by this user listens on.</summary>
    public static Uri DefaultApi => new("unix://" + ControlSocket.DefaultPath());

    /// <summary>
    /// The API address: <c>--host</c>, else <paramref name="environmentValue"/> (<c>SWARM_API</c>), else the default
    /// control socket. <c>unix:///path</c>, <c>https://host:port</c>, or <c>http://</c> (test doubles).
    /// </summary>
    public static Uri ResolveApi(string? hostFlag, string? environmentValue)
    {
        if (string.IsNullOrWhiteSpace(hostFlag) && string.IsNullOrWhiteSpace(environmentValue))
        {
            return DefaultApi;
        }

        var text = !string.IsNullOrWhiteSpace(hostFlag) ? hostFlag : environmentValue!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "unix") || uri.Scheme == "unix" && uri.AbsolutePath.Length <= 1)
        {
            throw new UsageException($"'{text}' is not a URL of the control API (SWARM_API or --host): use unix:///path/control.sock or https://host:port");
        }

        return uri.Scheme == "unix" ? uri : new Uri(uri.ToString().TrimEnd('/') + "/");
    }

    /// <summary>
    /// The TLS files for an https address: the flags (a directory, or the three files), else <c>SWARM_CERT_PATH</c>;
    /// null when neither is given.
    /// </summary>
    public static TlsFiles? ResolveTls(TlsFlags? flags, string? certPath)
    {
        if (flags is { IsEmpty: false })
        {
            var dir = flags.Dir is { } d ? TlsFiles.InDirectory(d) : null;
            var ca = flags.CaCert ?? dir?.CaCert;
            var cert = flags.Cert ?? dir?.Cert;
            var key = flags.Key ?? dir?.Key;
            if (ca is null || cert is null || key is null)
            {
                throw new UsageException("give --tls-dir DIR, or all of --tlscacert, --tlscert and --tlskey");
            }

            return new TlsFiles(ca, cert, key);
        }

        return string.IsNullOrWhiteSpace(certPath) ? null : TlsFiles.InDirectory(certPath);
    }

    public static async Task<int> MainAsync(string[] args, TextWriter stdout, TextWriter stderr, string? swarmApi, CancellationToken ct, string? certPath = null)
    {
        switch (CliParser.Parse(args))
        {
            case HelpRequested help:
                await (help.IsError ? stderr : stdout).WriteAsync(help.Text);
                return help.IsError ? BadUsage : Ok;
            case UsageError error:
                await stderr.WriteLineAsync($"swarmctl: {error.Message}");
                await stderr.WriteLineAsync(error.Hint);
                return BadUsage;
            case ParsedCommand parsed:
                Uri api;
                TlsFiles? tls;
                try
                {
                    api = ResolveApi(parsed.Host, swarmApi);
                    tls = ResolveTls(parsed.Tls, certPath);
                }
                catch (UsageException ex)
                {
                    await stderr.WriteLineAsync($"swarmctl: {ex.Message}");
                    return BadUsage;
                }

                return await RunAsync(parsed.Command, api, tls, stdout, stderr, ct);
            default:
                return Failed;
        }
    }

    private static async Task<int> RunAsync(CliCommand command, Uri api, TlsFiles? tls, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        HttpClient http;
        ApiTransport transport;
        try
        {
            (http, transport) = ApiTransport.Create(api, tls, TimeSpan.FromSeconds(30));
        }
        catch (ApiTransportException ex)
        {
            await stderr.WriteLineAsync($"swarmctl: {ex.Message}");
            return Failed;
        }

        using (http)
        {
            var runner = new CommandRunner(new ApiClient(http, transport), stdout, stderr, TimeProvider.System);
            try
            {
                return await runner.RunAsync(command, ct);
            }
            catch (ApiException ex)
            {
                await stderr.WriteLineAsync($"swarmctl: {ex.Message}");
                return Failed;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await stderr.WriteLineAsync("swarmctl: interrupted");
                return 130;
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Text.Json.JsonException or FormatException)
            {
                await stderr.WriteLineAsync($"swarmctl: unexpected answer from the API: {ex.Message}");
                return Failed;
            }
        }
    }
}
