using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>A task was bound to a node: send it to that node's agent.</summary>
public sealed class TaskAssignedConsumer : IConsumer<TaskAssigned>
{
    private readonly AssignmentPusher _pusher;

    public TaskAssignedConsumer(AssignmentPusher pusher)
    {
        _pusher = pusher;
    }

    public Task Consume(ConsumeContext<TaskAssigned> context) =>
        _pusher.PushAsync(context.Message.TaskId, context.Message.NodeId, context.CancellationToken);
}
