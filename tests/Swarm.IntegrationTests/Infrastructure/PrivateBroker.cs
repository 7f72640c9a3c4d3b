using System.Diagnostics;
using System.Globalization;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ node of one test's own, run from the OS package (<c>rabbitmq-server</c>) with its own
/// name, ports and data directory, so that the test can stop and start the broker (<c>rabbitmqctl
/// stop_app</c> / <c>start_app</c>, as an operator restarts it) without disturbing the shared one.
/// Skips the test when the package is not installed or the test does not run as root (the package's
/// scripts run the node as the <c>rabbitmq</c> user only for root).
/// </summary>
internal sealed class PrivateBroker : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly string _directory;
    private readonly Dictionary<string, string> _environment;
    private Process? _server;

    private PrivateBroker(string directory, string node, int port, int distributionPort)
    {
        _directory = directory;
        Node = node;
        Port = port;
        _environment = new()
        {
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(directory, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(directory, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(directory, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(directory, "node.pid"),
        };
    }

    public string Node { get; }

    public int Port { get; }

    /// <summary>The node's default vhost, as the guest user (allowed from loopback).</summary>
    public string AmqpUri => $"amqp://guest:guest@127.0.0.1:{Port}/%2F";

    public static async Task<PrivateBroker> StartAsync()
    {
        var server = new[] { "/usr/sbin/rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server" }.FirstOrDefault(File.Exists);
        Skip.If(server is null, "needs the RabbitMQ server package (rabbitmq-server) to run a broker of the test's own");
        Skip.IfNot(Environment.IsPrivilegedProcess, "runs a RabbitMQ node of its own, which the rabbitmq-server scripts allow only to root");

        var id = Guid.NewGuid().ToString("N")[..10];
        var directory = Path.Combine(Path.GetTempPath(), $"swarm-broker-{id}");
        Directory.CreateDirectory(directory);
        var port = LoopbackPorts.Free();
        var broker = new PrivateBroker(directory, $"swarm-test-{id}@localhost", port, LoopbackPorts.Free());
        await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].\n");
        await RunAsync("chown", ["-R", "rabbitmq:rabbitmq", directory], broker._environment, TimeSpan.FromSeconds(10));

        var start = new ProcessStartInfo(server!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in broker._environment)
        {
            start.Environment[key] = value;
        }

        broker._server = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start");
        broker._server.OutputDataReceived += (_, _) => { };
        broker._server.ErrorDataReceived += (_, _) => { };
        broker._server.BeginOutputReadLine();
        broker._server.BeginErrorReadLine();
        try
        {
            await broker.AwaitStartupAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>
    /// Stops the RabbitMQ application and starts it again <paramref name="down"/> later, as
    /// <c>rabbitmqctl stop_app; rabbitmqctl start_app</c> does; returns once it accepts connections.
    /// </summary>
    public async Task RestartAsync(TimeSpan down)
    {
        await CtlAsync("stop_app");
        await Task.Delay(down);
        await CtlAsync("start_app");
        await AwaitStartupAsync();
    }

    private async Task AwaitStartupAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_server is { HasExited: true })
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_server.ExitCode}; see {_directory}/log");
            }

            try
            {
                await CtlAsync("await_startup", "--timeout", "10");
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private Task CtlAsync(params string[] arguments) =>
        RunAsync("rabbitmqctl", ["-n", Node, .. arguments], _environment, TimeSpan.FromSeconds(60));

    private static async Task RunAsync(string file, string[] arguments, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync("stop");
        }
        catch (InvalidOperationException)
        {
            // already gone, or never came up: the process is ended below
        }

        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
        }

        if (_server is not null)
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _server.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                // left to the operating system
            }

            _server.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // leftovers in the temporary directory are harmless
        }
    }
}
