using Microsoft.Extensions.Time.Testing;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Sessions;
using Swarm.Domain.Tasks;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Dispatcher.Tests.Sessions;

/// <summary>Agent sessions compared with what the log assigns to their nodes, and sent the full set again on a gap.</summary>
public sealed class AssignmentReconcilerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SessionRegistry _sessions = new();
    private readonly Guid _node = Guid.NewGuid();
    private readonly List<SwarmTask> _log = [];
    private readonly AssignmentStream _stream;
    private Action? _duringRead;

    public AssignmentReconcilerTests()
    {
        _stream = new AssignmentStream(_time, TimeSpan.FromMilliseconds(50));
        Assert.True(_sessions.Open(_node).Attach(_stream));
    }

    private AssignmentReconciler Reconciler() => new(_sessions, (nodeIds, _) =>
    {
        _duringRead?.Invoke();
        return Task.FromResult<IReadOnlyList<SwarmTask>>(_log.Where(t => t.NodeId is { } n && nodeIds.Contains(n)).ToList());
    });

    private SwarmTask InLog(Guid id, ModelTaskState state = ModelTaskState.Running, ModelDesiredState desired = ModelDesiredState.Running)
    {
        var task = new SwarmTask { Id = id, NodeId = _node, ServiceName = "web", State = state, DesiredState = desired };
        _log.RemoveAll(t => t.Id == id);
        _log.Add(task);
        return task;
    }

    private static Assignment Sent(SwarmTask task) => Swarm.Dispatcher.Tasks.Assignments.ToAssignment(task);

    private List<SessionMessage> Drain()
    {
        var messages = new List<SessionMessage>();
        while (_stream.Messages.TryRead(out var m))
        {
            messages.Add(m);
        }

        return messages;
    }

    [Fact]
    public async Task A_task_assigned_in_the_log_whose_message_never_arrived_reaches_the_agent_in_a_new_complete_set()
    {
        var running = InLog(Guid.NewGuid());
        _stream.Start([Sent(running)]);
        Drain();

        // assigned in the log; the bus message that would have pushed it was lost
        var lost = InLog(Guid.NewGuid(), ModelTaskState.Assigned);
        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));

        var message = Assert.Single(Drain());
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, message.Assignments.Type);
        Assert.Equal(new[] { running.Id, lost.Id }.Select(id => id.ToString()).Order(), message.Assignments.Tasks.Select(t => t.TaskId).Order());
    }

    [Fact]
    public async Task A_lost_stop_order_reaches_the_agent_as_the_desired_state_of_the_complete_set()
    {
        var task = InLog(Guid.NewGuid());
        _stream.Start([Sent(task)]);
        Drain();

        InLog(task.Id, desired: ModelDesiredState.Shutdown);
        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));

        var message = Assert.Single(Drain());
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, message.Assignments.Type);
        Assert.Equal(DesiredState.Shutdown, Assert.Single(message.Assignments.Tasks).DesiredState);
    }

    [Fact]
    public async Task A_task_the_log_no_longer_assigns_is_left_out_of_the_complete_set_so_the_agent_stops_it()
    {
        var kept = InLog(Guid.NewGuid());
        var gone = InLog(Guid.NewGuid());
        _stream.Start([Sent(kept), Sent(gone)]);
        Drain();

        // e.g. marked orphaned or removed while its message was lost
        _log.Remove(gone);
        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));

        var message = Assert.Single(Drain());
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, message.Assignments.Type);
        Assert.Equal(kept.Id.ToString(), Assert.Single(message.Assignments.Tasks).TaskId);
    }

    [Fact]
    public async Task Nothing_is_sent_while_the_session_has_what_the_log_assigns()
    {
        var task = InLog(Guid.NewGuid());
        _stream.Start([Sent(task)]);
        var pushed = InLog(Guid.NewGuid(), ModelTaskState.Running);
        _stream.Push(Sent(pushed));
        _time.Advance(TimeSpan.FromMilliseconds(50));
        Drain();

        Assert.Equal(0, await Reconciler().ReconcileAsync(CancellationToken.None));
        Assert.Empty(Drain());
    }

    [Fact]
    public async Task A_task_still_assigned_is_sent_again_every_round_until_the_agent_acknowledges_it()
    {
        var task = InLog(Guid.NewGuid(), ModelTaskState.Assigned);
        _stream.Start([Sent(task)]);
        Drain();

        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));
        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));
        Assert.Equal(2, Drain().Count(m => m.Assignments?.Type == AssignmentsMessage.Types.Type.Complete));

        InLog(task.Id, ModelTaskState.Accepted);
        Assert.Equal(0, await Reconciler().ReconcileAsync(CancellationToken.None));
        Assert.Empty(Drain());
    }

    [Fact]
    public async Task A_task_pushed_while_the_log_is_read_stays_in_the_complete_set_and_follows_it_again()
    {
        var task = InLog(Guid.NewGuid());
        _stream.Start([Sent(task)]);
        Drain();

        // the full set is read a moment before a new assignment commits and is pushed
        var removed = InLog(Guid.NewGuid());
        _log.Remove(removed);
        var assignedMeanwhile = new SwarmTask { Id = Guid.NewGuid(), NodeId = _node, State = ModelTaskState.Assigned, DesiredState = ModelDesiredState.Running };
        var snapshot = _log.ToList();
        _duringRead = () =>
        {
            _stream.Push(Sent(assignedMeanwhile));
            _log.Clear();
            _log.AddRange(snapshot);
        };
        Assert.Equal(1, await Reconciler().ReconcileAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(50));

        var messages = Drain();
        Assert.Equal(2, messages.Count);
        Assert.Equal(AssignmentsMessage.Types.Type.Complete, messages[0].Assignments.Type);
        Assert.Contains(messages[0].Assignments.Tasks, t => t.TaskId == assignedMeanwhile.Id.ToString());
        Assert.Equal(AssignmentsMessage.Types.Type.Incremental, messages[1].Assignments.Type);
        Assert.Equal(assignedMeanwhile.Id.ToString(), Assert.Single(messages[1].Assignments.Tasks).TaskId);
    }

    public void Dispose() => _stream.Dispose();
}
