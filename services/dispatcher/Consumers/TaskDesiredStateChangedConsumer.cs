using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Dispatcher.Sessions;

namespace Swarm.Dispatcher.Consumers;

/// <summary>A task's desired state moved (start it, shut it down): tell the agent running it.</summary>
public sealed class TaskDesiredStateChangedConsumer : IConsumer<TaskDesiredStateChanged>
{
    private readonly AssignmentPusher _pusher;

    public TaskDesiredStateChangedConsumer(AssignmentPusher pusher)
    {
        _pusher = pusher;
    }

    public Task Consume(ConsumeContext<TaskDesiredStateChanged> context) =>
        _pusher.PushAsync(context.Message.TaskId, context.Message.NodeId, context.CancellationToken);
}
