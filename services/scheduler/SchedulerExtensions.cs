using MassTransit;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Messaging;
using Swarm.Scheduler.Consumers;

namespace Swarm.Scheduler;

public static class SchedulerExtensions
{
    /// <summary>
    /// The scheduler: places pending tasks on nodes. Its messages share one queue
    /// (<see cref="PlacementEndpointDefinition{TConsumer}"/>); consumers hand their requests to the
    /// <see cref="PlacementQueue"/>, which decides them in rounds, one round at a time,
    /// so each decision sees the placements made before it.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(Swarm.Scheduler.Placement.Source.Name));
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(SchedulingMetrics.MeterName));
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<TasksAllocatedConsumer, PlacementEndpointDefinition<TasksAllocatedConsumer>>();
            x.AddConsumer<NodeRegisteredConsumer, PlacementEndpointDefinition<NodeRegisteredConsumer>>();
            x.AddConsumer<NodeStatusChangedConsumer, PlacementEndpointDefinition<NodeStatusChangedConsumer>>();
            x.AddConsumer<NodeSpecUpdatedConsumer, PlacementEndpointDefinition<NodeSpecUpdatedConsumer>>();
            x.AddConsumer<ServiceUpdatedConsumer, PlacementEndpointDefinition<ServiceUpdatedConsumer>>();
        });
        builder.Services.AddSingleton<Placement>();
        builder.Services.AddSingleton<PlacementQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PlacementQueue>());
        builder.Services.AddHostedService<PendingRetryLoop>();
        return builder;
    }
}
