using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Swarm.Testing;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>
/// The .NET Aspire Dashboard as <c>./swarm up --dashboard</c> runs it: on free loopback ports, browser access
/// through its browser-token mode, OTLP/gRPC through its API-key mode. The executable is the one
/// <c>./swarm test</c> restores from NuGet (tools/dashboard) and names in <c>SWARM_TEST_DASHBOARD</c>.
/// </summary>
public sealed class AspireDashboard : IAsyncDisposable
{
    public const string ExecutableVariable = "SWARM_TEST_DASHBOARD";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AspireDashboard(Process process, string url, string otlpUrl, string token, string apiKey)
    {
        _process = process;
        Url = url;
        OtlpUrl = otlpUrl;
        Token = token;
        ApiKey = apiKey;
    }

    public string Url { get; }

    public string OtlpUrl { get; }

    public string Token { get; }

    public string ApiKey { get; }

    /// <summary>What a process needs to send the dashboard its traces, logs and metrics.</summary>
    public IReadOnlyDictionary<string, string> OtlpEnvironment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpUrl,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={ApiKey}",
    };

    /// <summary>The login URL with the token, which leads on to <paramref name="page"/> (a path of the dashboard).</summary>
    public string LoginUrl(string page) => $"{Url}/login?t={Token}&returnUrl={Uri.EscapeDataString(page)}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The executable named by <c>SWARM_TEST_DASHBOARD</c>, or null with the reason it cannot run.</summary>
    public static (string? Path, string? Missing) Find()
    {
        var path = Environment.GetEnvironmentVariable(ExecutableVariable);
        if (string.IsNullOrEmpty(path))
        {
            return (null, $"{ExecutableVariable} is not set: no Aspire Dashboard to run (./swarm test restores it from NuGet through tools/dashboard)");
        }

        return File.Exists(path) ? (path, null) : (null, $"{ExecutableVariable}={path} does not exist");
    }

    public static async Task<AspireDashboard> StartAsync(string executable)
    {
        var url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var otlpUrl = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        psi.Environment["ASPNETCORE_URLS"] = url;
        psi.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = otlpUrl;
        psi.Environment["Dashboard__Frontend__AuthMode"] = "BrowserToken";
        psi.Environment["Dashboard__Frontend__BrowserToken"] = token;
        psi.Environment["Dashboard__Otlp__AuthMode"] = "ApiKey";
        psi.Environment["Dashboard__Otlp__PrimaryApiKey"] = apiKey;
        psi.ArgumentList.Add("--Logging:LogLevel:Aspire.Dashboard.DashboardWebApplication=Warning");

        var process = Process.Start(psi)!;
        var dashboard = new AspireDashboard(process, url, otlpUrl, token, apiKey);
        process.OutputDataReceived += (_, e) => dashboard.Append(e.Data);
        process.ErrorDataReceived += (_, e) => dashboard.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.WaitAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"the dashboard exited with code {process.ExitCode}:\n{dashboard.Log}");
                    }

                    try
                    {
                        using var response = await http.GetAsync(new Uri($"{url}/login"));
                        return response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return (HttpStatusCode)0;
                    }
                },
                status => status is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.Found,
                TimeSpan.FromSeconds(60),
                "the dashboard's login page");
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }

        _process.Dispose();
    }
}
