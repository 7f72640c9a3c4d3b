using MassTransit;

namespace Swarm.Dispatcher.Consumers;

/// <summary>Desired-state changes are batched here (up to 200, or what came within 10 ms), two batches at a time: many changes read in one query.</summary>
public sealed class TaskDesiredStateChangedConsumerDefinition(AssignmentEndpoint endpoint) : AssignmentEndpointDefinition<TaskDesiredStateChangedConsumer>(endpoint)
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskDesiredStateChangedConsumer> consumerConfigurator, IRegistrationContext context) =>
        consumerConfigurator.Options<BatchOptions>(o => o.SetMessageLimit(200).SetTimeLimit(TimeSpan.FromMilliseconds(10)).SetConcurrencyLimit(2));
}
