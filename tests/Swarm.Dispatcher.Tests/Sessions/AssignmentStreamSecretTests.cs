using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Sessions;
using Swarm.Dispatcher.Tasks;

namespace Swarm.Dispatcher.Tests.Sessions;

/// <summary>Secret and config values travel with the tasks that need them, and are withdrawn when none does.</summary>
public sealed class AssignmentStreamSecretTests
{
    private static readonly TimeSpan Flush = TimeSpan.FromMilliseconds(50);
    private readonly FakeTimeProvider _time = new();

    private static SecretValue Value(string id, string name, string kind = "secret") =>
        new() { Id = id, Name = name, Kind = kind, Data = ByteString.CopyFromUtf8($"value of {name}") };

    private static Dictionary<SecretName, SecretValue> Values(params SecretValue[] values) =>
        values.ToDictionary(v => new SecretName(v.Kind, v.Name));

    private static Assignment Task(string id, string[] secrets, TaskState state = TaskState.Assigned, string[]? configs = null)
    {
        var spec = new Api.TaskSpec();
        spec.Secrets.AddRange(secrets.Select(s => new FileReference { Id = s, Name = s, Target = s, Mode = 0x124 }));
        spec.Configs.AddRange((configs ?? []).Select(c => new FileReference { Id = c, Name = c, Target = "/" + c, Mode = 0x124 }));
        return new Assignment { TaskId = id, DesiredState = DesiredState.Running, State = state, Spec = spec };
    }

    private static List<AssignmentsMessage> Drain(AssignmentStream stream)
    {
        var messages = new List<AssignmentsMessage>();
        while (stream.Messages.TryRead(out var m))
        {
            if (m.Assignments is { } a)
            {
                messages.Add(a);
            }
        }

        return messages;
    }

    [Fact]
    public void The_complete_set_carries_the_values_its_tasks_reference_and_no_other()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([Task("t1", ["db"], configs: ["cfg"]), Task("t2", [])], Values(Value("db", "db"), Value("cfg", "cfg", "config"), Value("other", "other")));

        var complete = Assert.Single(Drain(stream));
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, complete.Type);
        Assert.Equal(["cfg", "db"], complete.Secrets.Select(s => s.Id).Order());
        Assert.Equal("value of db", complete.Secrets.Single(s => s.Id == "db").Data.ToStringUtf8());
    }

    [Fact]
    public void A_new_task_brings_its_value_in_the_same_message_once()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([]);
        Drain(stream);

        stream.Push(Task("t1", ["db"]), Values(Value("db", "db"), Value("unrelated", "unrelated")));
        _time.Advance(Flush);
        var first = Assert.Single(Drain(stream));
        Assert.Equal("t1", Assert.Single(first.Tasks).TaskId);
        Assert.Equal("db", Assert.Single(first.Secrets).Id);

        // a second task referencing the same value: the agent holds it already
        stream.Push(Task("t2", ["db"]), Values(Value("db", "db")));
        _time.Advance(Flush);
        var second = Assert.Single(Drain(stream));
        Assert.Empty(second.Secrets);
        Assert.Empty(second.RemovedSecretIds);
    }

    [Fact]
    public void A_value_is_withdrawn_when_the_last_task_that_needs_it_ends()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([Task("t1", ["db"], TaskState.Running), Task("t2", ["db", "api"], TaskState.Running)], Values(Value("db", "db"), Value("api", "api")));
        Drain(stream);

        stream.TaskEnded("t2");
        _time.Advance(Flush);
        var withdrawn = Assert.Single(Drain(stream));
        Assert.Empty(withdrawn.Tasks);
        Assert.Equal(["api"], withdrawn.RemovedSecretIds);

        stream.TaskEnded("t1");
        _time.Advance(Flush);
        Assert.Equal(["db"], Assert.Single(Drain(stream)).RemovedSecretIds);

        // nothing more to say
        stream.TaskEnded("t1");
        _time.Advance(Flush);
        Assert.Empty(Drain(stream));
    }

    [Fact]
    public void A_task_pushed_as_terminal_withdraws_its_values()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([Task("t1", ["db"], TaskState.Running)], Values(Value("db", "db")));
        Drain(stream);

        stream.Push(Task("t1", ["db"], TaskState.Failed));
        _time.Advance(Flush);
        var message = Assert.Single(Drain(stream));
        Assert.Equal(["db"], message.RemovedSecretIds);
    }

    [Fact]
    public void A_refresh_sends_the_values_again_in_its_complete_set()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([Task("t1", ["db"], TaskState.Running)], Values(Value("db", "db")));
        Drain(stream);

        // the log assigns another task the stream never sent: a COMPLETE set, with every value its tasks need
        var refresh = stream.BeginRefresh()!.Value;
        Assert.True(stream.CompleteRefresh(refresh, [Task("t1", ["db"], TaskState.Running), Task("t3", ["api"])], Values(Value("db", "db"), Value("api", "api"))));
        var complete = Assert.Single(Drain(stream));
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, complete.Type);
        Assert.Equal(["api", "db"], complete.Secrets.Select(s => s.Id).Order());
    }

    [Fact]
    public void A_task_without_a_resolved_value_is_sent_without_one()
    {
        using var stream = new AssignmentStream(_time, Flush);
        stream.Start([]);
        Drain(stream);

        var task = Task("t1", []);
        task.Spec.Secrets.Add(new FileReference { Id = "", Name = "gone", Target = "gone" });
        stream.Push(task, TaskSecrets.None);
        _time.Advance(Flush);
        var message = Assert.Single(Drain(stream));
        Assert.Single(message.Tasks);
        Assert.Empty(message.Secrets);
    }
}
