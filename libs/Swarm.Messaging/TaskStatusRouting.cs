using MassTransit;
using RabbitMQ.Client;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.Messaging;

/// <summary>
/// <see cref="TaskStatusChanged"/> is the busiest event on the bus (every state every task goes through)
/// and its consumers in the managers only act on tasks that ended. It goes to a topic exchange,
/// <see cref="Exchange"/>, with the routing key <c>ended.STATE</c> or <c>progress.STATE</c>
/// (<c>ended.failed</c>, <c>progress.running</c>), so a consumer binds to what it needs and RabbitMQ drops
/// the rest: a burst of ten thousand tasks starting is not delivered to anyone who waits for failures.
/// A consumer of <see cref="TaskStatusChanged"/> must say what it binds to (<see cref="EndedTasksDefinition{TConsumer}"/>,
/// <see cref="EveryTaskStatusDefinition{TConsumer}"/>): MassTransit's default binding has an empty routing key,
/// which matches none of these.
/// </summary>
public static class TaskStatusRouting
{
    public const string Exchange = "swarm.task-status-changed";

    /// <summary>Binding pattern for statuses of tasks that ended (complete, failed, rejected, shutdown, …).</summary>
    public const string Ended = "ended.#";

    /// <summary>Binding pattern for every status.</summary>
    public const string All = "#";

    public static string KeyOf(TaskStatusChanged e) =>
        $"{(TaskStateMachine.IsTerminal(e.State) ? "ended" : "progress")}.{e.State.ToString().ToLowerInvariant()}";

    internal static void Configure(IRabbitMqBusFactoryConfigurator cfg)
    {
        cfg.Message<TaskStatusChanged>(m => m.SetEntityName(Exchange));
        cfg.Publish<TaskStatusChanged>(p => p.ExchangeType = ExchangeType.Topic);
        cfg.Send<TaskStatusChanged>(s => s.UseRoutingKeyFormatter(c => KeyOf(c.Message)));
    }

    /// <summary>Binds the endpoint to the task statuses whose routing key matches <paramref name="pattern"/>, and to nothing else.</summary>
    public static void ConsumeTaskStatuses(this IReceiveEndpointConfigurator endpoint, string pattern)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.ConfigureConsumeTopology = false;
            rabbit.Bind<TaskStatusChanged>(b =>
            {
                b.ExchangeType = ExchangeType.Topic;
                b.RoutingKey = pattern;
            });
        }
    }
}

/// <summary>
/// A consumer of <see cref="TaskStatusChanged"/> that is only given the statuses of tasks that ended. A consumer
/// that tunes its endpoint derives from it, calling <c>base.ConfigureConsumer</c> to keep the binding.
/// </summary>
public class EndedTasksDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConsumeTaskStatuses(TaskStatusRouting.Ended);
}

/// <summary>
/// A consumer of <see cref="TaskStatusChanged"/> that is given every status. A consumer that tunes its endpoint
/// derives from it, calling <c>base.ConfigureConsumer</c> to keep the binding.
/// </summary>
public class EveryTaskStatusDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConsumeTaskStatuses(TaskStatusRouting.All);
}
