using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>Tasks were bound to nodes: send each to its node's agent.</summary>
public sealed class TasksAssignedConsumer : IConsumer<TasksAssigned>
{
    private readonly AssignmentPusher _pusher;

    public TasksAssignedConsumer(AssignmentPusher pusher)
    {
        _pusher = pusher;
    }

    public Task Consume(ConsumeContext<TasksAssigned> context) =>
        _pusher.PushManyAsync(context.Message.Events.Select(e => (e.TaskId, (Guid?)e.NodeId)).ToList(), context.CancellationToken);
}
