using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;

namespace Swarm.Ctl.Running;

/// <summary>swarmctl's entry point: parse, find the API, run, map failures to exit codes.</summary>
public static class SwarmCtl
{
    public const string DefaultApi = "http://127.0.0.1:5080";
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    /// <summary>The API address: <c>--host</c>, else <paramref name="environmentValue"/> (<c>SWARM_API</c>), else the default.</summary>
    public static Uri ResolveApi(string? hostFlag, string? environmentValue)
    {
        var text = !string.IsNullOrWhiteSpace(hostFlag) ? hostFlag
            : !string.IsNullOrWhiteSpace(environmentValue) ? environmentValue
            : DefaultApi;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{text}' is not a URL of the control API (SWARM_API or --host), e.g. {DefaultApi}");
        }

        return new Uri(uri.ToString().TrimEnd('/') + "/");
    }

    public static async Task<int> MainAsync(string[] args, TextWriter stdout, TextWriter stderr, string? swarmApi, CancellationToken ct)
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
                try
                {
                    api = ResolveApi(parsed.Host, swarmApi);
                }
                catch (UsageException ex)
                {
                    await stderr.WriteLineAsync($"swarmctl: {ex.Message}");
                    return BadUsage;
                }

                using (var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) })
                {
                    var runner = new CommandRunner(new ApiClient(http), stdout, stderr, TimeProvider.System);
                    try
                    {
                        return await runner.RunAsync(parsed.Command, ct);
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

            default:
                return Failed;
        }
    }
}
