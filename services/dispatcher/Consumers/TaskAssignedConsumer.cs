using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>A task was bound to a node: send it to that node's agent.</summary>
public sealed class TaskAssignedConsumer : IConsumer<Batch<TaskAssigned>>
{
    private readonly AssignmentPusher _pusher;

    public TaskAssignedConsumer(AssignmentPusher pusher)
    {
        _pusher = pusher;
    }

    public Task Consume(ConsumeContext<Batch<TaskAssigned>> context) =>
        _pusher.PushManyAsync(context.Message.Select(m => (m.Message.TaskId, (Guid?)m.Message.NodeId)).ToList(), context.CancellationToken);
}
