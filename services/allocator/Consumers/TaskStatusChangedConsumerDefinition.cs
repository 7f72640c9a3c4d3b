using MassTransit;
using Swarm.Contracts.Events;
using Swarm.Messaging;

namespace Swarm.Allocator.Consumers;

/// <summary>
/// Bound to the statuses of tasks that ended only; they are released in batches of up to 500, or whatever
/// arrived within 5 ms, one batch at a time (a burst is taken from the backlog anyway).
/// </summary>
public sealed class TaskStatusChangedConsumerDefinition : EndedTasksDefinition<TaskStatusChangedConsumer>
{
    public TaskStatusChangedConsumerDefinition() => Endpoint(e => e.PrefetchCount = 1000);

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskStatusChangedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        base.ConfigureConsumer(endpointConfigurator, consumerConfigurator, context);
        consumerConfigurator.Options<BatchOptions>(o => o.SetMessageLimit(500).SetTimeLimit(TimeSpan.FromMilliseconds(5)).SetConcurrencyLimit(1));
    }
}
