using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;

namespace Swarm.Worker.Tests.Exec.Secrets;

/// <summary>
/// A process task reads its secrets under <c>$SWARM_SECRETS_DIR</c> and its configs under <c>$SWARM_CONFIGS_DIR</c>,
/// from a tmpfs directory of its own that is gone once it ends; a task whose value the node does not hold, or whose
/// files would land on a filesystem that is not a tmpfs, is rejected without running.
/// </summary>
public sealed class ProcessSecretsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _stateDir = Path.Combine(Path.GetTempPath(), "swarm-worker-tests", Guid.NewGuid().ToString("N"));
    private readonly string _nodeId = "node-" + Guid.NewGuid().ToString("N");
    private readonly TmpfsRoot _root = new();
    private readonly RecordingSink _sink = new();

    public void Dispose()
    {
        _root.Dispose();
        try
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private ProcessExecutor Executor(string? secretsDir = null) =>
        new(_stateDir, () => _nodeId, TimeProvider.System, NullLogger.Instance) { SecretsDir = secretsDir ?? _root.Path, AdoptedPollInterval = TimeSpan.FromMilliseconds(50) };

    private (TaskRunner Runner, Task Run) Start(ProcessExecutor executor, TaskAssignment task)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(CancellationToken.None));
    }

    private static TaskAssignment WithFiles(TaskAssignment task, IReadOnlyList<TaskFileReference>? secrets = null, IReadOnlyList<TaskFileReference>? configs = null) =>
        task with { Spec = task.Spec with { Secrets = secrets ?? [], Configs = configs ?? [] } };

    private async Task<List<string>> OutputOf(ProcessExecutor executor, string taskId) =>
        await executor.LogsAsync(taskId, follow: false, tail: 0, CancellationToken.None).Select(l => l.Text).ToListAsync();

    [SkippableFact]
    public async Task A_process_reads_its_secret_and_configs_from_its_own_directories_with_their_modes_and_owners()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var executor = Executor();
        executor.Secrets.Replace([
            TmpfsRoot.Secret("s1", "db-password", "s3cr3t"),
            TmpfsRoot.Config("c1", "app-conf", "listen=80"),
            TmpfsRoot.Config("c2", "motd", "hello"),
        ]);
        var script = """
            cat "$SWARM_SECRETS_DIR/db"; echo
            cat "$SWARM_CONFIGS_DIR/etc/app/app.conf"; echo
            cat "$SWARM_CONFIGS_DIR/motd"; echo
            stat -c '%a %u %g' "$SWARM_SECRETS_DIR/db" "$SWARM_CONFIGS_DIR/etc/app/app.conf" "$SWARM_CONFIGS_DIR/motd"
            echo "dir=$SWARM_SECRETS_DIR"
            """;
        var secretOwner = Posix.EffectiveUserId == 0 ? (Uid: "1234", Gid: "5678") : (Uid: (string?)null, Gid: (string?)null);
        var task = WithFiles(
            Tasks.Assignment("t1", command: ["sh", "-c", script]),
            secrets: [new TaskFileReference { Id = "s1", Name = "db-password", Target = "db", Mode = 0x100, Uid = secretOwner.Uid, Gid = secretOwner.Gid }], // 0400
            configs: [new TaskFileReference { Id = "c1", Name = "app-conf", Target = "/etc/app/app.conf", Mode = 0x1A4 }, new TaskFileReference { Id = "c2", Name = "motd", Target = "motd" }]); // 0644, default 0444
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.True(last.State == TaskState.Complete, $"{last.State}: {last.Error}");
        var output = await OutputOf(executor, "t1");
        var owner = Posix.EffectiveUserId == 0 ? "1234 5678" : $"{Posix.EffectiveUserId} {Posix.EffectiveGroupId}";
        var configOwner = Posix.EffectiveUserId == 0 ? "0 0" : $"{Posix.EffectiveUserId} {Posix.EffectiveGroupId}";
        Assert.Equal(["s3cr3t", "listen=80", "hello", $"400 {owner}", $"644 {configOwner}", $"444 {configOwner}", $"dir={_root.TaskDir("t1")}/secrets"], output);

        // the task ended: its directory is gone
        Assert.False(Directory.Exists(_root.TaskDir("t1")));
    }

    [SkippableFact]
    public async Task A_task_without_secrets_gets_no_secrets_directory_and_sees_no_other_tasks_files()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var executor = Executor();
        executor.Secrets.Replace([TmpfsRoot.Secret("s1", "db-password", "s3cr3t")]);
        var holder = WithFiles(Tasks.Assignment("holder", command: ["sleep", "30"]), secrets: [new TaskFileReference { Id = "s1", Name = "db-password", Target = "db" }]);
        var (holderRunner, holderRun) = Start(executor, holder);
        await _sink.WaitForAsync("holder", TaskState.Running, Timeout);
        Assert.True(File.Exists(Path.Combine(_root.TaskDir("holder"), "secrets", "db")));

        var other = Tasks.Assignment("other", command: ["sh", "-c", "test -z \"$SWARM_SECRETS_DIR\" && test -z \"$SWARM_CONFIGS_DIR\""]);
        var (_, otherRun) = Start(executor, other);
        await otherRun.WaitAsync(Timeout);
        Assert.Equal(TaskState.Complete, _sink.Updates.Last(u => u.TaskId == "other").State);
        Assert.False(Directory.Exists(_root.TaskDir("other")));

        // stopping the task removes its files
        holderRunner.Stop();
        await holderRun.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, _sink.Updates.Last(u => u.TaskId == "holder").State);
        Assert.False(Directory.Exists(_root.TaskDir("holder")));
    }

    [SkippableFact]
    public async Task A_task_referencing_a_value_the_node_does_not_hold_is_rejected_and_never_started()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var executor = Executor();
        var marker = Path.Combine(_stateDir, "ran");
        Directory.CreateDirectory(_stateDir);
        executor.Secrets.Replace([TmpfsRoot.Secret("other", "other", "x")]);

        var notSent = WithFiles(Tasks.Assignment("t1", command: ["touch", marker]), secrets: [new TaskFileReference { Id = "s1", Name = "db", Target = "db" }]);
        await Start(executor, notSent).Run.WaitAsync(Timeout);
        var noSuch = WithFiles(Tasks.Assignment("t2", command: ["touch", marker]), configs: [new TaskFileReference { Id = "", Name = "app-conf", Target = "app.conf" }]);
        await Start(executor, noSuch).Run.WaitAsync(Timeout);

        var first = _sink.Updates.Last(u => u.TaskId == "t1");
        Assert.Equal(TaskState.Rejected, first.State);
        Assert.Equal("secret 'db' is not available: its value was not sent to this node", first.Error);
        var second = _sink.Updates.Last(u => u.TaskId == "t2");
        Assert.Equal(TaskState.Rejected, second.State);
        Assert.Equal("config 'app-conf' is not available: no config of that name exists", second.Error);
        Assert.DoesNotContain(TaskState.Starting, _sink.StatesOf("t1"));
        Assert.False(File.Exists(marker));
        Assert.False(Directory.Exists(_root.TaskDir("t1")));
    }

    [SkippableFact]
    public async Task A_root_that_is_not_on_a_tmpfs_is_refused_and_nothing_is_written_there()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var disk = AppContext.BaseDirectory;
        Skip.If(Posix.FilesystemType(disk, out _) == Posix.TmpfsMagic, $"{disk} is a tmpfs here: no persistent filesystem to test against");
        var root = Path.Combine(disk, "secrets-" + Guid.NewGuid().ToString("N")[..8]);
        var executor = Executor(root);
        executor.Secrets.Replace([TmpfsRoot.Secret("s1", "db-password", "s3cr3t")]);

        var task = WithFiles(Tasks.Assignment("t1", command: ["true"]), secrets: [new TaskFileReference { Id = "s1", Name = "db-password", Target = "db" }]);
        await Start(executor, task).Run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);
        Assert.StartsWith($"secret 'db-password' cannot be written: {Path.TrimEndingDirectorySeparator(disk)} is on ", last.Error);
        Assert.Contains("not a tmpfs", last.Error);
        Assert.False(Directory.Exists(root));
    }

    [SkippableFact]
    public async Task A_target_leaving_its_directory_is_refused()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var executor = Executor();
        executor.Secrets.Replace([TmpfsRoot.Secret("s1", "db", "x"), TmpfsRoot.Config("c1", "conf", "y")]);

        await Start(executor, WithFiles(Tasks.Assignment("t1", command: ["true"]), secrets: [new TaskFileReference { Id = "s1", Name = "db", Target = "../../escape" }])).Run.WaitAsync(Timeout);
        await Start(executor, WithFiles(Tasks.Assignment("t2", command: ["true"]), configs: [new TaskFileReference { Id = "c1", Name = "conf", Target = "/etc/../../escape" }])).Run.WaitAsync(Timeout);

        Assert.Equal("secret 'db': target '../../escape' is not a file name under /run/secrets", _sink.Updates.Last(u => u.TaskId == "t1").Error);
        Assert.Equal("config 'conf': target '/etc/../../escape' is not an absolute file path without '.' or '..'", _sink.Updates.Last(u => u.TaskId == "t2").Error);
        Assert.False(File.Exists(Path.Combine(_root.Path, "escape")));
    }

    [SkippableFact]
    public async Task A_restarted_agent_removes_the_files_of_tasks_no_longer_assigned_and_keeps_those_of_adopted_ones()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        var first = Executor();
        first.Secrets.Replace([TmpfsRoot.Secret("s1", "db", "s3cr3t")]);
        using var shutdown = new CancellationTokenSource();
        var tasks = new[] { "kept", "gone" }
            .Select(id => WithFiles(Tasks.Assignment(id, command: ["sleep", "30"]), secrets: [new TaskFileReference { Id = "s1", Name = "db", Target = "db" }]))
            .ToList();
        var runs = tasks.Select(t => new TaskRunner(t, first.Controller(t), _sink, TimeProvider.System, NullLogger.Instance).RunAsync(shutdown.Token)).ToList();
        await _sink.WaitForAsync("kept", TaskState.Running, Timeout);
        await _sink.WaitForAsync("gone", TaskState.Running, Timeout);

        // the agent goes away; its processes (and their files) stay for the next one
        await shutdown.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(Timeout);
        Assert.True(Directory.Exists(_root.TaskDir("kept")) && Directory.Exists(_root.TaskDir("gone")));

        var second = Executor();
        await second.CleanupAsync(new HashSet<string> { "kept" }, CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_root.TaskDir("kept"), "secrets", "db")));
        Assert.False(Directory.Exists(_root.TaskDir("gone")));

        // the adopted task ends: its files go with it
        var kept = tasks[0] with { DesiredState = DesiredState.Shutdown };
        await new TaskRunner(kept, second.Controller(kept), _sink, TimeProvider.System, NullLogger.Instance).RunAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.False(Directory.Exists(_root.TaskDir("kept")));
    }

    [SkippableFact]
    public async Task A_process_does_not_inherit_the_agents_join_token_or_telemetry_key()
    {
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
        Environment.SetEnvironmentVariable("SWARM_JOIN_TOKEN", "SWMTKN-1-inherited");
        Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_HEADERS", "x-otlp-api-key=inherited");
        Environment.SetEnvironmentVariable("ConnectionStrings__Postgres", "Password=inherited");
        try
        {
            var executor = Executor();
            var task = Tasks.Assignment("t1", command: ["sh", "-c", "echo \"token=$SWARM_JOIN_TOKEN otel=$OTEL_EXPORTER_OTLP_HEADERS db=$(printenv ConnectionStrings__Postgres) mine=$SWARM_MINE path=${PATH:+set}\""]);
            task = task with { Spec = task.Spec with { Env = new Dictionary<string, string> { ["SWARM_MINE"] = "given" } } };
            var (_, run) = Start(executor, task);
            await run.WaitAsync(Timeout);

            Assert.Equal(["token= otel= db= mine=given path=set"], await OutputOf(executor, "t1"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SWARM_JOIN_TOKEN", null);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_HEADERS", null);
            Environment.SetEnvironmentVariable("ConnectionStrings__Postgres", null);
        }
    }
}
