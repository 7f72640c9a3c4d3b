using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>A task's desired state moved (start it, shut it down): tell the agent running it.</summary>
public sealed class TaskDesiredStateChangedConsumer : IConsumer<Batch<TaskDesiredStateChanged>>
{
    private readonly AssignmentPusher _pusher;

    public TaskDesiredStateChangedConsumer(AssignmentPusher pusher)
    {
        _pusher = pusher;
    }

    public Task Consume(ConsumeContext<Batch<TaskDesiredStateChanged>> context) =>
        _pusher.PushManyAsync(context.Message.Select(m => (m.Message.TaskId, (Guid?)m.Message.NodeId)).ToList(), context.CancellationToken);
}
