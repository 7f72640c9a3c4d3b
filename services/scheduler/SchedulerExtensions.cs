using MassTransit;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Messaging;

namespace Swarm.Scheduler;

public static class SchedulerExtensions
{
    /// <summary>
    /// The scheduler: places pending tasks on nodes. Its messages share one queue; consumers hand their
    /// requests to the <see cref="PlacementQueue"/>, which decides them in rounds, one round at a time,
    /// so each decision sees the placements made before it.
    /// </summary>
    public static IHostApplicationBuilder AddScheduler(this IHostApplicationBuilder builder)
    {
        var endpoint = $"{builder.Configuration.EndpointPrefix()}-placement";
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(Swarm.Scheduler.Placement.Source.Name));
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(SchedulingMetrics.MeterName));
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<TaskAllocatedConsumer>().Endpoint(e => Placement(e, endpoint));
            x.AddConsumer<NodeRegisteredConsumer>().Endpoint(e => Placement(e, endpoint));
            x.AddConsumer<NodeStatusChangedConsumer>().Endpoint(e => Placement(e, endpoint));
            x.AddConsumer<NodeSpecUpdatedConsumer>().Endpoint(e => Placement(e, endpoint));
            x.AddConsumer<ServiceUpdatedConsumer>().Endpoint(e => Placement(e, endpoint));
        });
        builder.Services.AddSingleton<Placement>();
        builder.Services.AddSingleton<PlacementQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PlacementQueue>());
        builder.Services.AddHostedService<PendingRetryLoop>();
        return builder;
    }

    /// <summary>
    /// Enough messages in flight that every request waiting for a round joins the next one: node changes
    /// come one per message, allocated tasks in batches of up to 500 (the relay's).
    /// </summary>
    private static void Placement(IEndpointRegistrationConfigurator e, string name)
    {
        e.Name = name;
        e.PrefetchCount = PlacementQueue.MaxRound;
        e.ConcurrentMessageLimit = PlacementQueue.MaxRound;
    }
}
