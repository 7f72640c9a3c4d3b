using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Swarm.Testing;

namespace Swarm.EndToEndTests.Infrastructure;

/// <summary>
/// The whole control plane as separate processes, the way <c>./swarm up</c> runs it: migrator,
/// controlapi, orchestrator, allocator, scheduler, dispatcher and two process-executor workers, on
/// an isolated schema and vhost and on free loopback ports. Every process (and every task process a
/// worker started) is killed at the end. A cluster may instead run on a <see cref="ClusterBackend"/> of
/// its own (a private PostgreSQL and RabbitMQ, which a test stops and starts).
/// </summary>
public sealed class RunningCluster : IAsyncDisposable
{
    private readonly ClusterBackend _cluster;
    private readonly Dictionary<string, Process> _processes = [];
    private readonly string _runId = Guid.NewGuid().ToString("N");
    private readonly StringBuilder _log = new();
    private readonly string _workDir;

    /// <summary>The control API's address as swarmctl takes it: <c>unix://</c> and the path of its socket.</summary>
    public string ApiUrl => "unix://" + ApiSocket;

    /// <summary>The control API's unix socket (the only way to it without a client certificate).</summary>
    public string ApiSocket { get; }

    /// <summary>The control API's TCP address: mutual TLS, an administrator's client certificate required.</summary>
    public string ApiTlsUrl { get; }

    /// <summary>A client of the control API over its socket.</summary>
    public HttpClient Api { get; }

    /// <summary>The file holding the key-encryption key that seals the cluster CA's key (mode 0600).</summary>
    public string KeyFile { get; }
    private readonly List<int> _grpcPorts = [];
    private readonly Dictionary<string, int> _healthPorts = [];

    /// <summary>The dispatcher replicas' names: <c>dispatcher</c> alone, or <c>dispatcher-1</c> … <c>dispatcher-N</c>.</summary>
    public IReadOnlyList<string> Dispatchers { get; private set; } = [];

    /// <summary>The health (and <c>/raft/status</c>) URL of a dispatcher replica.</summary>
    public string DispatcherHealthUrl(string name) => $"http://127.0.0.1:{_healthPorts[name]}";

    /// <summary>The agent-facing gRPC address of a dispatcher replica.</summary>
    public string DispatcherGrpcUrl(string name) => $"https://127.0.0.1:{_grpcPorts[Dispatchers.ToList().IndexOf(name)]}";

    private string DispatcherUrls => string.Join(",", _grpcPorts.Select(p => $"https://127.0.0.1:{p}"));

    /// <summary>The cluster log's database and schema, for assertions on the log itself.</summary>
    public string PostgresConnection => _cluster.PostgresConnection;

    public string Schema => _cluster.Schema;

    /// <summary>How many events of the cluster log match <paramref name="where"/> (SQL over <c>mt_events</c>).</summary>
    public async Task<long> CountEventsAsync(string where)
    {
        await using var connection = new NpgsqlConnection(PostgresConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {Schema}.mt_events where {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The operating-system process id of a running process of the cluster.</summary>
    public int ProcessId(string name) => _processes[name].Id;

    /// <summary>The marker in the environment of every process of this cluster, task processes included.</summary>
    public string RunId => _runId;

    private RunningCluster(ClusterBackend cluster)
    {
        _cluster = cluster;
        _healthPorts["controlapi"] = LoopbackPorts.Free();
        _workDir = Path.Combine(Path.GetTempPath(), $"swarm-e2e-{_runId[..8]}");
        Directory.CreateDirectory(_workDir);
        ApiSocket = Path.Combine(_workDir, "control", "control.sock");
        Api = UnixSocketHttp.Create(ApiSocket);
        ApiTlsUrl = $"https://127.0.0.1:{LoopbackPorts.Free()}";
        KeyFile = Path.Combine(_workDir, "ca.kek");
        Swarm.Security.Pem.WritePrivate(KeyFile, Swarm.Security.KeyEncryptionKey.Generate());
    }

    public static string RepoRoot { get; } = FindRepoRoot();
    public static string Configuration { get; } = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Starts the cluster; <paramref name="dispatchers"/> &gt; 1 runs that many dispatcher replicas electing a leader.</summary>
    /// <remarks><paramref name="environment"/> is added to every process's environment (e.g. an OTLP endpoint).</remarks>
    /// <remarks><paramref name="backend"/>: the PostgreSQL and RabbitMQ to run on (the cluster disposes it); by default a fresh schema and vhost of the shared ones.</remarks>
    /// <remarks><paramref name="namedResources"/>: each process's telemetry resource is named after the process (OTEL_SERVICE_NAME), as <c>./swarm up</c> does.</remarks>
    public static async Task<RunningCluster> StartAsync(int heartbeatSeconds = 5, int dispatchers = 1, IReadOnlyDictionary<string, string>? environment = null, ClusterBackend? backend = null, bool namedResources = false)
    {
        backend ??= ClusterBackend.Of(await IsolatedCluster.CreateAsync());
        var cluster = new RunningCluster(backend) { _environment = environment ?? new Dictionary<string, string>(), _namedResources = namedResources };
        try
        {
            await cluster.RunToEndAsync("migrator", Dll("tools/migrator", "Swarm.Migrator"), []);
            cluster.PlanDispatchers(Math.Max(1, dispatchers));
            cluster.StartManager("controlapi", "services/controlapi", "Swarm.ControlApi", new()
            {
                ["ControlApi__Socket"] = cluster.ApiSocket,
                ["ControlApi__HealthUrl"] = $"http://127.0.0.1:{cluster._healthPorts["controlapi"]}",
                ["ControlApi__TlsUrl"] = cluster.ApiTlsUrl,
                ["Dispatcher__Address"] = cluster.DispatcherUrls,
                ["ControlApi__DispatcherHealthUrls"] = string.Join(",", cluster.Dispatchers.Select(cluster.DispatcherHealthUrl)),
            });
            cluster.StartManager("orchestrator", "services/orchestrator", "Swarm.Orchestrator");
            cluster.StartManager("allocator", "services/allocator", "Swarm.Allocator");
            cluster.StartManager("scheduler", "services/scheduler", "Swarm.Scheduler");
            cluster.StartDispatchers(heartbeatSeconds);
            await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60));
            await cluster.StartWorkerAsync("worker-1");
            await cluster.StartWorkerAsync("worker-2");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a worker; a <c>docker</c> worker talks to the engine at <paramref name="dockerHost"/>. It joins with the
    /// cluster's worker token (its state dir keeps the certificate, so a restart joins no more).
    /// </summary>
    public async Task StartWorkerAsync(string hostname, string executor = "process", string? dockerHost = null)
    {
        // read each time: a test may have rotated it
        var environment = new Dictionary<string, string> { ["SWARM_JOIN_TOKEN"] = await JoinTokenAsync() };
        if (dockerHost is not null)
        {
            environment["DOCKER_HOST"] = dockerHost;
        }

        Start(hostname, Dll("agents/worker", "Swarm.Worker"),
            ["--dispatcher", DispatcherUrls, "--hostname", hostname, "--executor", executor, "--state-dir", StateDir(hostname)],
            environment);
    }

    /// <summary>A worker's state directory (its key, certificate and task records).</summary>
    public string StateDir(string hostname) => Path.Combine(_workDir, hostname);

    /// <summary>A directory of this run's own (removed with the cluster).</summary>
    public string WorkDir => _workDir;

    /// <summary>The health (and metrics) URL of the control API: plain http that answers nothing of <c>/api</c>.</summary>
    public string ApiHealthUrl => $"http://127.0.0.1:{_healthPorts["controlapi"]}";

    /// <summary>The cluster's current join token of <paramref name="kind"/> (worker or manager), read through the control API.</summary>
    public async Task<string> JoinTokenAsync(string kind = "worker") =>
        (await GetAsync("/api/cluster/join-tokens")).GetProperty(kind).GetString()!;


    private readonly List<int> _raftPorts = [];

    /// <summary>Chooses the dispatcher replicas' names and ports (before controlapi starts, which lists them).</summary>
    private void PlanDispatchers(int count)
    {
        Dispatchers = count == 1 ? ["dispatcher"] : Enumerable.Range(1, count).Select(i => $"dispatcher-{i}").ToList();
        foreach (var name in Dispatchers)
        {
            _grpcPorts.Add(LoopbackPorts.Free());
            _raftPorts.Add(LoopbackPorts.Free());
            _healthPorts[name] = LoopbackPorts.Free();
        }
    }

    private void StartDispatchers(int heartbeatSeconds)
    {
        for (var i = 0; i < Dispatchers.Count; i++)
        {
            StartDispatcher(i, heartbeatSeconds);
        }
    }

    private int _heartbeatSeconds = 5;

    private void StartDispatcher(int index, int heartbeatSeconds)
    {
        _heartbeatSeconds = heartbeatSeconds;
        var name = Dispatchers[index];
        var environment = new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Grpc__Url"] = $"https://127.0.0.1:{_grpcPorts[index]}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{_healthPorts[name]}",
            ["Kestrel__Endpoints__Http__Protocols"] = "Http1",
            ["Dispatcher__HeartbeatPeriodSeconds"] = heartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Dispatchers.Count > 1)
        {
            environment["Dispatcher__Raft__Self"] = $"127.0.0.1:{_raftPorts[index]}";
            for (var i = 0; i < Dispatchers.Count; i++)
            {
                environment[$"Dispatcher__Raft__Peers__{i}"] = $"127.0.0.1:{_raftPorts[i]}";
                environment[$"Dispatcher__Raft__AgentAddresses__{i}"] = $"https://127.0.0.1:{_grpcPorts[i]}";
            }
        }

        Start(name, Dll("services/dispatcher", "Swarm.Dispatcher"), [], environment);
    }

    /// <summary>Starts a dispatcher replica again (after <see cref="Kill"/>), with its original ports.</summary>
    public void RestartDispatcher(string name) => StartDispatcher(Dispatchers.ToList().IndexOf(name), _heartbeatSeconds);

    /// <summary>
    /// The task processes the workers started and that are still alive, by task id, read from each
    /// worker's process records (<c>&lt;state-dir&gt;/tasks/&lt;task&gt;.json</c>).
    /// </summary>
    public Dictionary<string, int> LiveTaskProcesses()
    {
        var live = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_workDir, "*.json", SearchOption.AllDirectories)
                     .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "tasks"))
        {
            try
            {
                using var record = JsonDocument.Parse(File.ReadAllText(file));
                var pid = record.RootElement.GetProperty("Pid").GetInt32();
                if (IsAlive(pid))
                {
                    live[record.RootElement.GetProperty("TaskId").GetString()!] = pid;
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException)
            {
                // being rewritten, or removed with its task
            }
        }

        return live;
    }

    /// <summary>
    /// Every live process (zombies left out) that carries this run's marker in its environment, with its
    /// session and the task it runs when a worker marked it (<c>SWARM_TASK_ID</c>, <c>SWARM_NODE_ID</c>):
    /// what the operating system sees, independent of what the workers recorded.
    /// </summary>
    public List<MarkedProcess> MarkedProcesses()
    {
        var found = new List<MarkedProcess>();
        var marker = $"E2E_CLUSTER_RUN={_runId}";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (!environ.Contains(marker, StringComparer.Ordinal))
                {
                    continue;
                }

                // pid (comm) state ppid pgrp session ...: fields after the command name, which may hold spaces
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[0] is "Z" or "X")
                {
                    continue;
                }

                string? Variable(string name) => environ.FirstOrDefault(e => e.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
                found.Add(new MarkedProcess(pid, int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture), Variable("SWARM_TASK_ID"), Variable("SWARM_NODE_ID"), commandLine));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // exited while being read
            }
        }

        return found;
    }

    /// <summary>Whether the process exists and has not exited (a zombie has).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.LastIndexOf(')') is var end and > 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>SIGSTOP / SIGCONT of one process: frozen, then thawed, as a long pause.</summary>
    public void Signal(string name, bool stop)
    {
        using var kill = Process.Start("kill", [stop ? "-STOP" : "-CONT", _processes[name].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit(5000);
    }

    /// <summary>
    /// Starts a process of the cluster again after <see cref="Kill"/> (a manager, a dispatcher replica or a
    /// worker), as it was first started: same arguments, environment, ports and state directory.
    /// </summary>
    public void Restart(string name)
    {
        if (_processes.ContainsKey(name))
        {
            throw new InvalidOperationException($"{name} is running");
        }

        var (dll, args, environment) = _specs[name];
        Start(name, dll, args, environment);
    }

    /// <summary>kill -9 of one process, as a crash.</summary>
    public void Kill(string name)
    {
        if (_processes.Remove(name, out var process))
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit(5000);
        }
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        var response = await Api.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body)
    {
        var response = await Api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Runs the real CLI against this cluster.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> SwarmctlAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll("tools/swarmctl", "swarmctl"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["SWARM_API"] = ApiUrl;
        psi.Environment.Remove("SWARM_CERT_PATH");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public string Logs => _log.ToString();

    private void StartManager(string name, string folder, string assembly, Dictionary<string, string>? environment = null)
    {
        var port = _healthPorts.GetValueOrDefault(name, 0) switch { 0 => _healthPorts[name] = LoopbackPorts.Free(), var p => p };
        var all = new Dictionary<string, string>(environment ?? []);
        if (name != "controlapi")
        {
            all["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        }

        Start(name, Dll(folder, assembly), [], all);
    }

    private IReadOnlyDictionary<string, string> _environment = new Dictionary<string, string>();

    private bool _namedResources;

    private Dictionary<string, string> BaseEnvironment(string name)
    {
        var environment = BaseEnvironmentOf(name);
        if (_namedResources)
        {
            environment["OTEL_SERVICE_NAME"] = name;
        }

        return environment;
    }

    private Dictionary<string, string> BaseEnvironmentOf(string name) => new(_environment)
    {
        ["ConnectionStrings__Postgres"] = _cluster.PostgresConnection,
        ["ConnectionStrings__RabbitMq"] = _cluster.RabbitMqUri,
        ["Swarm__Schema"] = _cluster.Schema,
        ["Swarm__Ca__KeyFile"] = KeyFile,
        ["Orchestrator__FullReconcileSeconds"] = "5",
        // (not a SWARM_ name: a worker does not pass its own SWARM_* settings on to the processes of its tasks)
        ["E2E_CLUSTER_RUN"] = _runId,
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["Logging__LogLevel__Default"] = "Information",
    };

    private readonly Dictionary<string, (string Dll, IReadOnlyList<string> Args, Dictionary<string, string> Environment)> _specs = [];

    private void Start(string name, string dll, IReadOnlyList<string> args, Dictionary<string, string> environment)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built; build the solution first (./swarm test does)");
        }

        _specs[name] = (dll, args, environment);

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _workDir };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in BaseEnvironment(name).Concat(environment))
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => Append(name, e.Data);
        process.ErrorDataReceived += (_, e) => Append(name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[name] = process;
    }

    private void Append(string name, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Append(name).Append(" | ").AppendLine(line);
        }
    }

    private async Task RunToEndAsync(string name, string dll, IReadOnlyList<string> args)
    {
        Start(name, dll, args, []);
        var process = _processes[name];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        _processes.Remove(name);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} exited {process.ExitCode}:\n{Logs}");
        }
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var (name, port) in _healthPorts)
        {
            await Eventually.WaitAsync(async () =>
            {
                if (_processes.TryGetValue(name, out var p) && p.HasExited)
                {
                    throw new InvalidOperationException($"{name} exited with {p.ExitCode}:\n{Logs}");
                }

                try
                {
                    return (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            }, ok => ok, timeout, $"{name} healthy on port {port}");
        }
    }

    private static string Dll(string folder, string assembly) => Path.Combine(RepoRoot, folder, "bin", Configuration, "net10.0", assembly + ".dll");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Swarm.Microservices.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Swarm.Microservices.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Kills the processes that carry this run's marker in their environment (task processes too).</summary>
    private void KillMarkedProcesses()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Contains($"E2E_CLUSTER_RUN={_runId}", StringComparison.Ordinal))
                {
                    Process.GetProcessById(pid).Kill();
                }
            }
            catch (Exception)
            {
                // gone already, or not ours to read
            }
        }
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

        _processes.Clear();
        KillMarkedProcesses();
        if (Environment.GetEnvironmentVariable("SWARM_E2E_LOG_DIR") is { Length: > 0 } logDir)
        {
            // every process's output, kept for a look at a run that passed
            Directory.CreateDirectory(logDir);
            await File.WriteAllTextAsync(Path.Combine(logDir, $"cluster-{_runId[..8]}.log"), Logs);
        }

        Api.Dispose();
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A process of an end-to-end run as /proc shows it; <see cref="SessionLeader"/>: its own session (pid = sid).</summary>
public sealed record MarkedProcess(int Pid, int ParentPid, int SessionId, string? TaskId, string? NodeId, string CommandLine)
{
    public bool SessionLeader => Pid == SessionId;
}
