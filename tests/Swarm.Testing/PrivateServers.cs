using System.Diagnostics;
using System.Globalization;

namespace Swarm.Testing;

/// <summary>
/// A RabbitMQ node of one test's own (its own node name, ports, data and log directories), which the
/// test stops and starts without touching the shared broker other tests and clusters use. Needs root
/// (the node runs as the <c>rabbitmq</c> user, with that user's Erlang cookie) and the OS package.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Bin = "/usr/lib/rabbitmq/bin";
    private const string Home = "/var/lib/rabbitmq";
    private readonly string _node = $"chaos-{Guid.NewGuid():N}"[..14] + "@localhost";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"swarm-chaos-rmq-{Guid.NewGuid():N}"[..24]);
    private readonly int _port = LoopbackPorts.Free();

    /// <summary>amqp:// URI of the vhost <c>swarm</c> on this node, as the guest user (allowed on loopback).</summary>
    public string Uri => $"amqp://guest:guest@127.0.0.1:{_port}/swarm";

    /// <summary>Why a private node cannot run here, or null when it can.</summary>
    public static string? MissingReason =>
        !Environment.IsPrivilegedProcess ? "starting a private RabbitMQ node needs root (it runs as the rabbitmq user with that user's Erlang cookie); run the suite as root (./swarm test)"
        : !File.Exists(Path.Combine(Bin, "rabbitmq-server")) || !File.Exists(Path.Combine(Bin, "rabbitmqctl")) ? $"RabbitMQ is not installed ({Bin}/rabbitmq-server, rabbitmqctl): apt-get install rabbitmq-server"
        : !File.Exists(Path.Combine(Home, ".erlang.cookie")) ? $"no Erlang cookie at {Home}/.erlang.cookie (start the packaged RabbitMQ once)"
        : null;

    public static async Task<PrivateRabbitMq> StartAsync()
    {
        Skip.If(MissingReason is not null, MissingReason);
        var broker = new PrivateRabbitMq();
        try
        {
            Directory.CreateDirectory(broker._dir);
            await File.WriteAllTextAsync(Path.Combine(broker._dir, "enabled_plugins"), "[].");
            await Shell.RunAsync("chown", ["-R", "rabbitmq:rabbitmq", broker._dir], TimeSpan.FromSeconds(10));
            await Shell.RunAsync("runuser", ["-u", "rabbitmq", "--", "env",
                $"HOME={Home}",
                $"RABBITMQ_NODENAME={broker._node}",
                "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
                $"RABBITMQ_NODE_PORT={broker._port}",
                $"RABBITMQ_DIST_PORT={LoopbackPorts.Free()}",
                $"RABBITMQ_MNESIA_BASE={broker._dir}/mnesia",
                $"RABBITMQ_LOG_BASE={broker._dir}/log",
                $"RABBITMQ_PID_FILE={broker._dir}/pid",
                $"RABBITMQ_ENABLED_PLUGINS_FILE={broker._dir}/enabled_plugins",
                $"{Bin}/rabbitmq-server", "-detached"], TimeSpan.FromSeconds(30), broker._dir);
            await broker.AwaitStartupAsync();
            await broker.CtlAsync(TimeSpan.FromSeconds(30), "add_vhost", "swarm");
            await broker.CtlAsync(TimeSpan.FromSeconds(30), "set_permissions", "-p", "swarm", "guest", ".*", ".*", ".*");
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits for the broker to run. <c>rabbitmq-server -detached</c> returns before the node has
    /// registered with epmd, and until it has, <c>await_startup</c> fails at once ("not running at all").
    /// </summary>
    private async Task AwaitStartupAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(150);
        while (true)
        {
            try
            {
                await CtlAsync(TimeSpan.FromSeconds(150), "await_startup", "--timeout", "120");
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
            }
            catch (InvalidOperationException ex)
            {
                var log = Path.Combine(_dir, "log", _node + ".log");
                throw new InvalidOperationException($"the private RabbitMQ node {_node} did not start within 150 s: {ex.Message}\n{(File.Exists(log) ? string.Join('\n', (await File.ReadAllLinesAsync(log)).TakeLast(30)) : "(no node log)")}", ex);
            }
        }
    }

    /// <summary>Stops the broker (the Erlang node stays up; every connection drops and the port closes).</summary>
    public Task StopAsync() => CtlAsync(TimeSpan.FromSeconds(60), "stop_app");

    /// <summary>Starts the broker again, with the durable queues and messages it had.</summary>
    public async Task StartAgainAsync()
    {
        await CtlAsync(TimeSpan.FromSeconds(60), "start_app");
        await AwaitStartupAsync();
    }

    private Task<string> CtlAsync(TimeSpan timeout, params string[] args) =>
        Shell.RunAsync("runuser", ["-u", "rabbitmq", "--", "env", $"HOME={Home}", $"{Bin}/rabbitmqctl", "-n", _node, .. args], timeout, Home);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync(TimeSpan.FromSeconds(60), "stop");
        }
        catch (Exception)
        {
            // not started, or gone: kill whatever the pid file names
            if (File.Exists(Path.Combine(_dir, "pid")) && int.TryParse((await File.ReadAllTextAsync(Path.Combine(_dir, "pid"))).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                }
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A PostgreSQL server of one test's own (initdb into a temporary directory, a free port, trust
/// authentication on loopback), which the test stops and starts without touching the shared server.
/// Needs root (the server runs as the <c>postgres</c> user) and the OS package.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"swarm-chaos-pg-{Guid.NewGuid():N}"[..23]);
    private readonly int _port = LoopbackPorts.Free();
    private readonly string _bin;

    private PrivatePostgres(string bin) => _bin = bin;

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;SSL Mode=Disable";

    /// <summary>The newest installed server's binaries, e.g. /usr/lib/postgresql/15/bin.</summary>
    private static string? BinDirectory =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    public static string? MissingReason =>
        !Environment.IsPrivilegedProcess ? "starting a private PostgreSQL server needs root (it runs as the postgres user); run the suite as root (./swarm test)"
        : BinDirectory is null ? "PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/<version>/bin) are not installed: apt-get install postgresql"
        : null;

    public static async Task<PrivatePostgres> StartAsync()
    {
        Skip.If(MissingReason is not null, MissingReason);
        var server = new PrivatePostgres(BinDirectory!);
        try
        {
            Directory.CreateDirectory(server._dir);
            await Shell.RunAsync("chown", ["postgres:postgres", server._dir], TimeSpan.FromSeconds(10));
            await server.AsPostgresAsync(TimeSpan.FromSeconds(120), "initdb", "-D", server.Data, "-A", "trust", "-U", "postgres", "--no-sync");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private string Data => Path.Combine(_dir, "data");

    /// <summary>Stops the server (fast: open connections are cut, the port closes).</summary>
    public Task StopAsync() => AsPostgresAsync(TimeSpan.FromSeconds(60), "pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");

    public Task StartAgainAsync() =>
        AsPostgresAsync(TimeSpan.FromSeconds(60), "pg_ctl", "-D", Data, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "50",
            "-o", $"-p {_port} -k {_dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off", "start");

    private Task<string> AsPostgresAsync(TimeSpan timeout, string tool, params string[] args) =>
        Shell.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args], timeout, _dir);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync(TimeSpan.FromSeconds(60), "pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (Exception)
        {
            // never started
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Runs a command to its end; a non-zero exit or a timeout is an error carrying its output.</summary>
internal static class Shell
{
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s");
        }

        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        }

        return output;
    }
}
