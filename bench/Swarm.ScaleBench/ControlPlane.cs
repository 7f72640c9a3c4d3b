using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Swarm.ScaleBench;

/// <summary>
/// A control plane of its own for one benchmark run: a fresh schema and vhost, the migrator, the five
/// manager services and one agent process hosting every simulated node, on free loopback ports. Logs
/// go to the output folder; everything is stopped and dropped at the end.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly Dictionary<string, Process> _processes = [];
    private readonly Dictionary<string, int> _healthPorts = [];
    private readonly int _grpcPort = FreePort();

    public ControlPlane(BenchOptions options)
    {
        _options = options;
        Schema = $"bench_{DateTime.UtcNow:HHmmss}_{Environment.ProcessId}";
        VHost = $"swarm-{Schema}";
        ApiUrl = $"http://127.0.0.1:{FreePort()}";
    }

    public string Schema { get; }
    public string VHost { get; }
    public string ApiUrl { get; }
    public IReadOnlyDictionary<string, Process> Processes => _processes;
    private string RabbitUri => $"{_options.RabbitMq}/{Uri.EscapeDataString(VHost)}";

    public async Task StartAsync(CancellationToken ct)
    {
        using (var api = ManagementClient())
        {
            (await api.PutAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}", null, ct)).EnsureSuccessStatusCode();
            var user = new Uri(_options.RabbitMq).UserInfo.Split(':')[0];
            var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
            (await api.PutAsync($"api/permissions/{Uri.EscapeDataString(VHost)}/{Uri.EscapeDataString(Uri.UnescapeDataString(user))}", permissions, ct)).EnsureSuccessStatusCode();
        }

        var migrator = Start("migrator", Dll("tools/migrator", "Swarm.Migrator"), [], []);
        await migrator.WaitForExitAsync(ct);
        if (migrator.ExitCode != 0)
        {
            throw new InvalidOperationException($"the migrator exited {migrator.ExitCode}; see {_options.Out}/logs/migrator.log");
        }

        _processes.Remove("migrator");
        _healthPorts["controlapi"] = new Uri(ApiUrl).Port;
        foreach (var (name, folder, assembly) in new[]
        {
            ("controlapi", "services/controlapi", "Swarm.ControlApi"),
            ("orchestrator", "services/orchestrator", "Swarm.Orchestrator"),
            ("allocator", "services/allocator", "Swarm.Allocator"),
            ("scheduler", "services/scheduler", "Swarm.Scheduler"),
        })
        {
            var port = _healthPorts.TryGetValue(name, out var p) ? p : _healthPorts[name] = FreePort();
            // the relay runs in the control API (idle during a burst), so its CPU is counted in one
            // place run after run instead of in whichever manager took the lock first
            Start(name, Dll(folder, assembly), [], new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["Swarm__Relay"] = name == "controlapi" ? "true" : "false" });
        }

        var dispatcherHealth = _healthPorts["dispatcher"] = FreePort();
        Start("dispatcher", Dll("services/dispatcher", "Swarm.Dispatcher"), [], new()
        {
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{_grpcPort}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{dispatcherHealth}",
            ["Kestrel__Endpoints__Http__Protocols"] = "Http1",
            ["Swarm__Relay"] = "false",
        });
        await WaitHealthyAsync(ct);

        Start("agents", Dll("agents/worker", "Swarm.Worker"),
            ["--dispatcher", $"http://127.0.0.1:{_grpcPort}", "--simulate", _options.Nodes.ToString(CultureInfo.InvariantCulture), "--hostname", "sim", "--state-dir", Path.Combine(_options.Out, "agents")],
            []);
    }

    private Process Start(string name, string dll, IReadOnlyList<string> args, Dictionary<string, string> environment)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built (./swarm bench builds the solution in Release first)");
        }

        var logs = Directory.CreateDirectory(Path.Combine(_options.Out, "logs")).FullName;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["ConnectionStrings__Postgres"] = _options.Postgres;
        psi.Environment["ConnectionStrings__RabbitMq"] = RabbitUri;
        psi.Environment["Swarm__Schema"] = Schema;
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        var log = new StreamWriter(Path.Combine(logs, $"{name}.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[name] = process;
        return process;
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private async Task WaitHealthyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        foreach (var (name, port) in _healthPorts)
        {
            while (true)
            {
                if (_processes[name].HasExited)
                {
                    throw new InvalidOperationException($"{name} exited with {_processes[name].ExitCode}; see {_options.Out}/logs/{name}.log");
                }

                try
                {
                    if ((await http.GetAsync($"http://127.0.0.1:{port}/healthz", ct)).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{name} did not become healthy on port {port}");
                }

                await Task.Delay(200, ct);
            }
        }
    }

    private HttpClient ManagementClient()
    {
        var info = new Uri(_options.RabbitMq).UserInfo.Split(':', 2);
        var client = new HttpClient { BaseAddress = new Uri(_options.RabbitMqApi + "/"), Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.UnescapeDataString(info[0])}:{(info.Length > 1 ? Uri.UnescapeDataString(info[1]) : "")}")));
        return client;
    }

    /// <summary>Messages waiting in every queue of this run's vhost.</summary>
    public async Task<int> QueuedMessagesAsync(CancellationToken ct)
    {
        using var api = ManagementClient();
        var response = await api.GetAsync($"api/queues/{Uri.EscapeDataString(VHost)}", ct);
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        var queues = doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? doc.RootElement.EnumerateArray().ToList() : [];
        return queues.Where(q => q.ValueKind == System.Text.Json.JsonValueKind.Object)
            .Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt32() : 0);
    }

    private string Dll(string folder, string assembly) => Path.Combine(_options.Repo, folder, "bin", "Release", "net10.0", assembly + ".dll");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (Exception)
            {
                // already gone
            }
        }

        try
        {
            using var api = ManagementClient();
            await api.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}");
            await using var connection = new NpgsqlConnection(_options.Postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"bench: cleanup: {ex.Message}");
        }
    }
}
