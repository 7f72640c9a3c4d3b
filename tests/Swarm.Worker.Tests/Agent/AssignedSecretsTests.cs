using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Worker.Tests.Agent;

/// <summary>
/// The agent holds exactly the secret and config values its assignments say: a complete set replaces them, an
/// incremental one adds and removes; a value dropped is zeroed, and none is ever written to a log line.
/// </summary>
public sealed class AssignedSecretsTests : IAsyncDisposable
{
    private readonly FakeExecutor _executor = new();
    private readonly RecordingSink _sink = new();
    private readonly CapturingLogger _log = new();
    private readonly TaskSupervisor _supervisor;

    public AssignedSecretsTests()
    {
        _supervisor = new TaskSupervisor(_executor, _sink, TimeProvider.System, _log);
    }

    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();

    private static SecretValue Value(string id, string kind, string name, string data) =>
        new() { Id = id, Kind = kind, Name = name, Data = ByteString.CopyFromUtf8(data) };

    private static Assignment TaskUsing(string taskId, params string[] secretIds)
    {
        var spec = new TaskSpec();
        spec.Secrets.AddRange(secretIds.Select(id => new FileReference { Id = id, Name = "name-" + id, Target = "file-" + id, Mode = 0x124 }));
        return new Assignment { TaskId = taskId, DesiredState = DesiredState.Running, State = TaskState.Assigned, Spec = spec };
    }

    private Task ApplyAsync(AssignmentsMessage message) => NodeAgent.ApplyAsync(message, _supervisor, _log, "n1", CancellationToken.None);

    [Fact]
    public async Task A_complete_set_replaces_the_values_held_and_an_incremental_one_adds_and_removes()
    {
        var complete = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
        complete.Tasks.Add(TaskUsing("t1", "s1", "c1"));
        complete.Secrets.Add(Value("s1", "secret", "db-password", "s3cr3t"));
        complete.Secrets.Add(Value("c1", "config", "app-conf", "listen=80"));
        await ApplyAsync(complete);
        Assert.Equal(["c1", "s1"], _executor.Secrets.Ids.Order());

        var more = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Incremental };
        more.Tasks.Add(TaskUsing("t2", "s2"));
        more.Secrets.Add(Value("s2", "secret", "api-key", "k3y"));
        more.RemovedSecretIds.Add("c1");
        await ApplyAsync(more);
        Assert.Equal(["s1", "s2"], _executor.Secrets.Ids.Order());

        // the next complete set no longer carries s1: it is forgotten
        var next = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
        next.Tasks.Add(TaskUsing("t2", "s2"));
        next.Secrets.Add(Value("s2", "secret", "api-key", "k3y"));
        await ApplyAsync(next);
        Assert.Equal(["s2"], _executor.Secrets.Ids);

        var empty = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Complete };
        await ApplyAsync(empty);
        Assert.Equal(0, _executor.Secrets.Count);
    }

    [Fact]
    public void A_value_dropped_or_replaced_is_zeroed()
    {
        var store = new SecretStore();
        var first = TmpfsValue("s1", "one");
        var second = TmpfsValue("s2", "two");
        var removed = TmpfsValue("s3", "three");
        store.Replace([first, second, removed]);

        var newer = TmpfsValue("s2", "two");
        store.Replace([newer]);
        store.Update([], ["s3"]);

        Assert.All(first.Data, b => Assert.Equal(0, b));
        Assert.All(second.Data, b => Assert.Equal(0, b));
        Assert.All(removed.Data, b => Assert.Equal(0, b));
        Assert.Equal("two"u8.ToArray(), store.CopyOf("s2", ValueKind.Secret));

        // a value is read as the kind it was sent as
        Assert.Null(store.CopyOf("s2", ValueKind.Config));
    }

    [Fact]
    public async Task A_task_that_runs_is_given_the_value_that_came_in_its_message_and_no_value_is_logged()
    {
        var message = new AssignmentsMessage { Type = AssignmentsMessage.Types.Type.Incremental };
        message.Tasks.Add(TaskUsing("t1", "s1"));
        message.Secrets.Add(Value("s1", "secret", "db-password", "VALUE-THAT-MUST-NOT-LEAK"));
        var wire = message.Secrets[0].Data;
        await ApplyAsync(message);
        await _sink.WaitForAsync("t1", ModelTaskState.Running);

        Assert.True(_executor.Secrets.Contains("s1"));

        // the message's copy of the value is zeroed once taken
        Assert.All(wire.ToByteArray(), b => Assert.Equal(0, b));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("VALUE-THAT-MUST-NOT-LEAK", StringComparison.Ordinal));
        Assert.DoesNotContain("VALUE", new HeldValue("s1", ValueKind.Secret, "db", "VALUE"u8.ToArray()).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_reference_is_read_from_the_task_spec()
    {
        var spec = new TaskSpec();
        spec.Secrets.Add(new FileReference { Id = "s1", Name = "db-password", Target = "db", Uid = "999", Gid = "", Mode = 0x100 });
        spec.Configs.Add(new FileReference { Id = "", Name = "app-conf", Target = "/etc/app.conf" });

        var model = ProtoMapping.ToModel(new Assignment { TaskId = "t", Spec = spec, DesiredState = DesiredState.Running, State = TaskState.Assigned }).Spec;

        Assert.Equal([new TaskFileReference { Id = "s1", Name = "db-password", Target = "db", Uid = "999", Gid = null, Mode = 0x100 }], model.Secrets);
        Assert.Equal([new TaskFileReference { Id = "", Name = "app-conf", Target = "/etc/app.conf" }], model.Configs);
        Assert.Equal(UnixFileMode.UserRead, model.Secrets[0].FileMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, model.Configs[0].FileMode);
    }

    [Fact]
    public async Task The_sim_executor_holds_values_and_rejects_a_task_whose_value_it_does_not_hold()
    {
        var sim = new SimExecutor(new SimOptions(), TimeProvider.System);
        await using var supervisor = new TaskSupervisor(sim, _sink, TimeProvider.System, NullLogger.Instance);
        var held = ProtoMapping.ToModel(TaskUsing("t1", "s1"));
        var missing = ProtoMapping.ToModel(TaskUsing("t2", "s2"));
        await supervisor.ApplyCompleteAsync([held, missing], [TmpfsValue("s1", "x")], CancellationToken.None);

        await _sink.WaitForAsync("t1", ModelTaskState.Running);
        var rejected = await _sink.WaitForAsync("t2", ModelTaskState.Rejected);
        Assert.Equal("secret 'name-s2' is not available: its value was not sent to this node", rejected.Error);
        Assert.Equal(["s1"], sim.Secrets.Ids);
    }

    private static HeldValue TmpfsValue(string id, string text) => new(id, ValueKind.Secret, "name-" + id, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Keeps every formatted log line.</summary>
    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
            }
        }
    }
}
