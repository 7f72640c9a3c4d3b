using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Contracts.Model;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Docker;
using Swarm.Worker.Exec.Secrets;
using Swarm.Worker.Tests.Exec.Secrets;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;

namespace Swarm.Worker.Tests.Docker;

/// <summary>
/// A container reads its secrets at <c>/run/secrets/&lt;target&gt;</c> and its configs at their targets, read-only,
/// with the reference's mode and owner, from the host's tmpfs; a container of another task has none of them; the
/// task's files are gone once it ends.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerSecretsTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly DockerEngineFixture _engine;
    private readonly RecordingSink _sink = new();
    private readonly TmpfsRoot _root = new();
    private readonly string _hostname = "dsec-" + Guid.NewGuid().ToString("N")[..8];

    public DockerSecretsTests(DockerEngineFixture engine)
    {
        _engine = engine;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_engine.Client is not null)
        {
            using var executor = Executor();
            await executor.CleanupAsync(new HashSet<string>(), CancellationToken.None);
        }

        _root.Dispose();
    }

    private void SkipIfUnavailable()
    {
        _engine.SkipIfUnavailable();
        Skip.If(TmpfsRoot.Unavailable is not null, TmpfsRoot.Unavailable);
    }

    private DockerExecutor Executor() =>
        new(DockerEngine.CreateClient(_engine.Endpoint!), _hostname, () => "node-" + _hostname, TimeProvider.System, NullLogger.Instance)
        {
            PullTimeout = TimeSpan.FromSeconds(15),
            SecretsDir = _root.Path,
        };

    private static TaskAssignment NewTask(IReadOnlyList<TaskFileReference> secrets, IReadOnlyList<TaskFileReference> configs, params string[] command)
    {
        var id = Guid.NewGuid().ToString("N");
        return Tasks.Assignment(id, command: command) with
        {
            Spec = new TaskRunSpec { Image = DockerEngineFixture.Image, Command = command, StopGracePeriodSeconds = 1, Secrets = secrets, Configs = configs },
        };
    }

    private (TaskRunner Runner, Task Run) Start(DockerExecutor executor, TaskAssignment task)
    {
        var runner = new TaskRunner(task, executor.Controller(task), _sink, TimeProvider.System, NullLogger.Instance);
        return (runner, runner.RunAsync(CancellationToken.None));
    }

    private static async Task<List<string>> OutputOf(DockerExecutor executor, string taskId) =>
        await executor.LogsAsync(taskId, follow: false, tail: 0, CancellationToken.None).Select(l => l.Text).ToListAsync();

    [SkippableFact]
    public async Task A_container_reads_its_secret_at_run_secrets_and_its_configs_at_their_targets_read_only()
    {
        SkipIfUnavailable();
        using var executor = Executor();
        executor.Secrets.Replace([
            TmpfsRoot.Secret("s1", "db-password", "s3cr3t"),
            TmpfsRoot.Config("c1", "app-conf", "listen=80"),
            TmpfsRoot.Config("c2", "motd", "hello"),
        ]);
        var script = """
            exec 2>&1
            cat /run/secrets/db; echo
            cat /etc/app/app.conf; echo
            cat /motd; echo
            ls -ln /run/secrets/db /etc/app/app.conf /motd
            if echo overwritten > /run/secrets/db; then echo WRITABLE; fi
            """;
        var task = NewTask(
            secrets: [new TaskFileReference { Id = "s1", Name = "db-password", Target = "db", Uid = "1234", Gid = "5678", Mode = 0x100 }], // 0400
            configs: [new TaskFileReference { Id = "c1", Name = "app-conf", Target = "/etc/app/app.conf", Mode = 0x1A4 }, new TaskFileReference { Id = "c2", Name = "motd", Target = "motd" }], // 0644, default 0444
            "sh", "-c", script);
        var (_, run) = Start(executor, task);
        await run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.True(last.State == TaskState.Complete, $"{last.State}: {last.Error}");
        var output = await OutputOf(executor, task.TaskId);
        Assert.Equal(["s3cr3t", "listen=80", "hello"], output.Take(3));
        var listing = output.Skip(3).Take(3).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(4))).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["-r-------- 1 1234 5678", "-r--r--r-- 1 0 0", "-rw-r--r-- 1 0 0"], listing);
        Assert.DoesNotContain("WRITABLE", output);
        Assert.Contains(output, l => l.Contains("Read-only file system", StringComparison.Ordinal));

        // the task ended: its files are gone from the host
        Assert.False(Directory.Exists(_root.TaskDir(task.TaskId)));
    }

    [SkippableFact]
    public async Task A_container_of_another_task_on_the_node_has_no_file_of_the_secret_and_stopping_the_task_removes_its_files()
    {
        SkipIfUnavailable();
        using var executor = Executor();
        executor.Secrets.Replace([TmpfsRoot.Secret("s1", "db-password", "s3cr3t")]);
        var holder = NewTask([new TaskFileReference { Id = "s1", Name = "db-password", Target = "db" }], [], "sleep", "60");
        var (holderRunner, holderRun) = Start(executor, holder);
        await _sink.WaitForAsync(holder.TaskId, TaskState.Running, Timeout);
        Assert.True(File.Exists(Path.Combine(_root.TaskDir(holder.TaskId), "secrets", "db")));

        var other = NewTask([], [], "sh", "-c", "exec 2>&1; ls /run/secrets; cat /run/secrets/db; echo end");
        var (_, otherRun) = Start(executor, other);
        await otherRun.WaitAsync(Timeout);
        var output = await OutputOf(executor, other.TaskId);
        Assert.DoesNotContain("s3cr3t", output);
        Assert.Contains("ls: /run/secrets: No such file or directory", output);
        Assert.Contains("cat: can't open '/run/secrets/db': No such file or directory", output);
        var container = (await _engine.Client!.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.TaskId}={other.TaskId}"] = true } },
        })).Single();
        Assert.Empty(container.Mounts);

        holderRunner.Stop();
        await holderRun.WaitAsync(Timeout);
        Assert.Equal(TaskState.Shutdown, _sink.Updates.Last(u => u.TaskId == holder.TaskId).State);
        Assert.False(Directory.Exists(_root.TaskDir(holder.TaskId)));
    }

    [SkippableFact]
    public async Task A_task_whose_value_is_not_held_is_rejected_before_a_container_is_created()
    {
        SkipIfUnavailable();
        using var executor = Executor();
        var task = NewTask([new TaskFileReference { Id = "s9", Name = "db-password", Target = "db" }], [], "true");
        await Start(executor, task).Run.WaitAsync(Timeout);

        var last = _sink.Updates.Last();
        Assert.Equal(TaskState.Rejected, last.State);
        Assert.Equal("secret 'db-password' is not available: its value was not sent to this node", last.Error);
        Assert.Empty(await _engine.Client!.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{DockerLabels.TaskId}={task.TaskId}"] = true } },
        }));
    }
}
