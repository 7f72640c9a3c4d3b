using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Tests.Sessions;

public sealed class AssignmentStreamTests
{
    private readonly FakeTimeProvider _time = new();

    private static Assignment Task(string id, DesiredState desired = DesiredState.Running) => new() { TaskId = id, DesiredState = desired };

    private static List<SessionMessage> Drain(AssignmentStream stream)
    {
        var messages = new List<SessionMessage>();
        while (stream.Messages.TryRead(out var m))
        {
            messages.Add(m);
        }

        return messages;
    }

    [Fact]
    public void Changes_before_the_complete_set_follow_it()
    {
        using var stream = new AssignmentStream(_time, TimeSpan.FromMilliseconds(50));
        stream.Push(Task("early"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Drain(stream));

        stream.Start([Task("a")]);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        var messages = Drain(stream);
        Assert.Equal(2, messages.Count);
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, messages[0].Assignments.Type);
        Assert.Equal(AssignmentsMessage.Types.Type.Incremental, messages[1].Assignments.Type);
        Assert.Equal("early", Assert.Single(messages[1].Assignments.Tasks).TaskId);
    }

    [Fact]
    public void Incremental_changes_are_batched_until_the_flush_delay_and_the_latest_state_wins()
    {
        using var stream = new AssignmentStream(_time, TimeSpan.FromMilliseconds(50));
        stream.Start([]);
        Drain(stream);

        stream.Push(Task("a"));
        _time.Advance(TimeSpan.FromMilliseconds(30));
        stream.Push(Task("b"));
        stream.Push(Task("a", DesiredState.Shutdown));
        Assert.Empty(Drain(stream));

        _time.Advance(TimeSpan.FromMilliseconds(20));
        var message = Assert.Single(Drain(stream));
        Assert.Equal(["a", "b"], message.Assignments.Tasks.Select(t => t.TaskId).Order());
        Assert.Equal(DesiredState.Shutdown, message.Assignments.Tasks.Single(t => t.TaskId == "a").DesiredState);
    }

    [Fact]
    public void At_most_a_hundred_tasks_go_in_one_message_and_a_full_batch_goes_at_once()
    {
        using var stream = new AssignmentStream(_time, TimeSpan.FromMilliseconds(50));
        stream.Start([]);
        Drain(stream);

        for (var i = 0; i < 250; i++)
        {
            stream.Push(Task($"t{i}"));
        }

        var immediate = Drain(stream);
        Assert.Equal(2, immediate.Count);
        Assert.All(immediate, m => Assert.Equal(AssignmentStream.MaxBatch, m.Assignments.Tasks.Count));

        _time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(50, Assert.Single(Drain(stream)).Assignments.Tasks.Count);
    }

    [Fact]
    public void Closing_ends_the_stream()
    {
        var stream = new AssignmentStream(_time, TimeSpan.FromMilliseconds(50));
        stream.Start([]);
        stream.Close();
        stream.Push(Task("a"));

        Assert.Single(Drain(stream));
        Assert.True(stream.Messages.Completion.IsCompleted);
    }
}
