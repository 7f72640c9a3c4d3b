using Swarm.ServiceDefaults;

namespace Swarm.Scheduler;

public static class SchedulerExtensions
{
    /// <summary>
    /// The scheduler: places pending tasks on nodes. All its messages go through one queue, one at a
    /// time, so each decision sees the placements made before it.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        var endpoint = $"{builder.Configuration.EndpointPrefix()}-placement";
        builder.Services.AddSwarmManager(builder.Configuration, x =>
        {
            x.AddConsumer<TaskAllocatedConsumer>().Endpoint(e => { e.Name = endpoint; e.ConcurrentMessageLimit = 1; });
            x.AddConsumer<NodeRegisteredConsumer>().Endpoint(e => { e.Name = endpoint; e.ConcurrentMessageLimit = 1; });
            x.AddConsumer<NodeStatusChangedConsumer>().Endpoint(e => { e.Name = endpoint; e.ConcurrentMessageLimit = 1; });
            x.AddConsumer<NodeSpecUpdatedConsumer>().Endpoint(e => { e.Name = endpoint; e.ConcurrentMessageLimit = 1; });
        });
        builder.Services.AddSingleton<Placement>();
        builder.Services.AddHostedService<PendingRetryLoop>();
        return builder;
    }
}
