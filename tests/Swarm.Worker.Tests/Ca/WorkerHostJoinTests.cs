using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Swarm.Security;
using Swarm.Worker.Ca;
using Swarm.Worker.Cli;

namespace Swarm.Worker.Tests.Ca;

/// <summary>The worker process: nodes without a certificate join with the token, each its own identity.</summary>
public sealed class WorkerHostJoinTests : IAsyncDisposable
{
    private readonly string _dir = TestCa.TempDir();
    private readonly RootCa _ca = TestCa.Create(DateTimeOffset.UtcNow);
    private readonly ListLogger _log = new();
    private TestDispatcher? _dispatcher;

    public async ValueTask DisposeAsync()
    {
        if (_dispatcher is not null)
        {
            await _dispatcher.DisposeAsync();
        }

        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
        Environment.ExitCode = 0;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public bool StopRequested => _stopping.IsCancellationRequested;

        public void StopApplication() => _stopping.Cancel();
    }

    private sealed class ListLogger : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");

        public void Dispose()
        {
        }
    }

    private (WorkerHost Host, Lifetime Lifetime) Host(params string[] args)
    {
        var options = WorkerOptions.Parse([.. args, "--state-dir", _dir, "--hostname", "w"], () => false, _ => null);
        var lifetime = new Lifetime();
        var loggers = LoggerFactory.Create(b => b.AddProvider(_log));
        return (new WorkerHost(options, TimeProvider.System, loggers, lifetime), lifetime);
    }

    [Fact]
    public async Task A_node_without_a_certificate_and_no_token_is_a_usage_error_naming_both_ways_to_give_one()
    {
        var (host, lifetime) = Host("--executor", "sim");

        await host.StartAsync(CancellationToken.None);
        await host.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(lifetime.StopRequested);
        Assert.Equal(2, Environment.ExitCode);
        var error = Assert.Single(_log.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.Contains("--join-token", error);
        Assert.Contains("SWARM_JOIN_TOKEN", error);
        Assert.Contains("holds no node certificate", error);
    }

    [Fact]
    public async Task Simulated_nodes_join_each_with_its_own_key_certificate_and_session()
    {
        _dispatcher = await TestDispatcher.StartAsync(_ca, TestCa.Dispatcher(_ca, DateTimeOffset.UtcNow));
        var (host, _) = Host("--simulate", "20", "--dispatcher", _dispatcher.Address.ToString(), "--join-token", _dispatcher.Token.ToString());

        await host.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // a node whose session is cut on a busy machine registers again: count nodes, not registrations
        while (_dispatcher.Registrations.Distinct().Count() < 20)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_dispatcher.Registrations.Distinct().Count()} of 20 nodes registered within 60 s");
            await Task.Delay(50);
        }

        await host.StopAsync(CancellationToken.None);

        Assert.Equal(20, _dispatcher.Joins.Distinct().Count());
        Assert.Equal(20, _dispatcher.Registrations.Distinct().Count());
        var stored = Enumerable.Range(1, 20).Select(i => NodeCredentials.Load(Path.Combine(_dir, $"w-{i}"), DateTimeOffset.UtcNow, out _)!.Current).ToList();
        Assert.Equal(20, stored.Select(c => c.Identity.NodeId).Distinct().Count());
        Assert.Equal(20, stored.Select(c => c.Certificate.GetPublicKeyString()).Distinct().Count());
    }

    [Fact]
    public async Task A_refused_token_ends_the_process_with_an_error()
    {
        _dispatcher = await TestDispatcher.StartAsync(_ca, TestCa.Dispatcher(_ca, DateTimeOffset.UtcNow));
        var wrong = JoinToken.Create(_ca.Certificate);
        var (host, lifetime) = Host("--executor", "sim", "--dispatcher", _dispatcher.Address.ToString(), "--join-token", wrong.ToString());

        await host.StartAsync(CancellationToken.None);
        await host.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(lifetime.StopRequested);
        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(_log.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal) && l.Contains("refused the join token"));
        Assert.DoesNotContain(_log.Lines, l => l.Contains(wrong.Secret));
    }
}
