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
/// manager services and one agent process hosting every simulated node, on free loopback ports. It is secured
/// as <c>./swarm up</c> secures a cluster: a key-encryption key file for the CA, the dispatcher on https with
/// mutual TLS, the agents joining with the worker token read through the control API's unix socket, and one
/// broker user per component with the permissions of <c>infra/rabbitmq/permissions.tsv</c>. Logs go to the
/// output folder; everything is stopped and dropped at the end.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly Dictionary<string, Process> _processes = [];
    private readonly Dictionary<string, int> _healthPorts = [];
    private readonly int _grpcPort = FreePort();
    private readonly int _apiHealthPort = FreePort();

    /// <summary>This run's secrets and socket (mode 0700): the key-encryption key and the control API's socket.</summary>
    private readonly DirectoryInfo _private = Directory.CreateTempSubdirectory("swarm-bench-");
    private readonly HttpClient _management;
    private readonly BrokerUsers _users;

    public ControlPlane(BenchOptions options)
    {
        _options = options;
        Schema = $"bench_{DateTime.UtcNow:HHmmss}_{Environment.ProcessId}";
        VHost = $"swarm-{Schema}";
        ApiSocket = Path.Combine(_private.FullName, "control", "control.sock");
        KeyFile = Path.Combine(_private.FullName, "ca.kek");
        _management = ManagementClient();
        _users = new BrokerUsers(_management, VHost, Schema.Replace('_', '-'));
    }

    public string Schema { get; }
    public string VHost { get; }

    /// <summary>The control API's unix socket: <c>/api</c> answers there (or over mutual TLS), not on its health port.</summary>
    public string ApiSocket { get; }

    /// <summary>The file with the key-encryption key that seals the cluster CA's key (mode 0600).</summary>
    public string KeyFile { get; }

    public IReadOnlyDictionary<string, Process> Processes => _processes;

    private string GrpcUrl => $"https://127.0.0.1:{_grpcPort}";

    /// <summary>A client of the control API, through its socket.</summary>
    public HttpClient ApiClient(TimeSpan timeout) => ControlSocket.Client(ApiSocket, timeout);

    public async Task StartAsync(CancellationToken ct)
    {
        WriteKeyFile(KeyFile);
        (await _management.PutAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}", null, ct)).EnsureSuccessStatusCode();
        var admin = new Uri(_options.RabbitMq).UserInfo.Split(':')[0];
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await _management.PutAsync($"api/permissions/{Uri.EscapeDataString(VHost)}/{Uri.EscapeDataString(Uri.UnescapeDataString(admin))}", permissions, ct)).EnsureSuccessStatusCode();
        await _users.CreateAsync(_options.Repo, ct);

        var migrator = Start("migrator", Dll("tools/migrator", "Swarm.Migrator"), [], []);
        await migrator.WaitForExitAsync(ct);
        if (migrator.ExitCode != 0)
        {
            throw new InvalidOperationException($"the migrator exited {migrator.ExitCode}; see {_options.Out}/logs/migrator.log");
        }

        _processes.Remove("migrator");
        var dispatcherHealth = _healthPorts["dispatcher"] = FreePort();
        _healthPorts["controlapi"] = _apiHealthPort;
        StartManager("controlapi", "services/controlapi", "Swarm.ControlApi", new()
        {
            ["ControlApi__Socket"] = ApiSocket,
            ["ControlApi__HealthUrl"] = $"http://127.0.0.1:{_apiHealthPort}",
            ["ControlApi__DispatcherHealthUrls"] = $"http://127.0.0.1:{dispatcherHealth}",
            ["Dispatcher__Address"] = GrpcUrl,
            ["Swarm__Ca__KeyFile"] = KeyFile,
        });
        foreach (var (name, folder, assembly) in new[]
        {
            ("orchestrator", "services/orchestrator", "Swarm.Orchestrator"),
            ("allocator", "services/allocator", "Swarm.Allocator"),
            ("scheduler", "services/scheduler", "Swarm.Scheduler"),
        })
        {
            StartManager(name, folder, assembly, new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_healthPorts[name] = FreePort()}" });
        }

        StartManager("dispatcher", "services/dispatcher", "Swarm.Dispatcher", new()
        {
            ["Kestrel__Endpoints__Grpc__Url"] = GrpcUrl,
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{dispatcherHealth}",
            ["Kestrel__Endpoints__Http__Protocols"] = "Http1",
            ["Swarm__Ca__KeyFile"] = KeyFile,
        });
        await WaitHealthyAsync(ct);

        // every simulated node joins with the worker token (in the environment, never on a command line)
        Start("agents", Dll("agents/worker", "Swarm.Worker"),
            ["--dispatcher", GrpcUrl, "--simulate", _options.Nodes.ToString(CultureInfo.InvariantCulture), "--hostname", "sim", "--state-dir", Path.Combine(_options.Out, "agents")],
            new() { ["SWARM_JOIN_TOKEN"] = await WorkerJoinTokenAsync(ct) });
    }

    /// <summary>
    /// A manager with its own broker user. The relay runs in the control API alone (idle during a burst), so its CPU
    /// is counted in one place run after run instead of in whichever manager took the lock first.
    /// </summary>
    private void StartManager(string name, string folder, string assembly, Dictionary<string, string> environment)
    {
        environment["ConnectionStrings__RabbitMq"] = _users.UriOf(name, new Uri(_options.RabbitMq));
        environment["Swarm__Relay"] = name == "controlapi" ? "true" : "false";
        Start(name, Dll(folder, assembly), [], environment);
    }

    private async Task<string> WorkerJoinTokenAsync(CancellationToken ct)
    {
        using var api = ApiClient(TimeSpan.FromSeconds(10));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync("/api/cluster/join-tokens", ct));
                return doc.RootElement.GetProperty("worker").GetString() ?? throw new InvalidOperationException("the control API answered no worker join token");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, ct);
            }
        }
    }

    /// <summary>A new key-encryption key (base64 of 32 random bytes) in a file only this user may read.</summary>
    private static void WriteKeyFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new StreamWriter(path, Encoding.ASCII, options);
        file.Write(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
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
        var response = await _management.GetAsync($"api/queues/{Uri.EscapeDataString(VHost)}", ct);
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
            await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}");
            await _users.DeleteAsync();
            _private.Delete(recursive: true);
            await using var connection = new NpgsqlConnection(_options.Postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"bench: cleanup: {ex.Message}");
        }
        finally
        {
            _management.Dispose();
        }
    }
}
