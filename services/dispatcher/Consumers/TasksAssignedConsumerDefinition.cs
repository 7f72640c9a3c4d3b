namespace Swarm.Dispatcher.Consumers;

/// <summary>Assignments come from the relay in batches (one message per page of the log), two at a time.</summary>
public sealed class TasksAssignedConsumerDefinition : AssignmentEndpointDefinition<TasksAssignedConsumer>
{
    public TasksAssignedConsumerDefinition(AssignmentEndpoint endpoint)
        : base(endpoint) =>
        ConcurrentMessageLimit = 2;
}
