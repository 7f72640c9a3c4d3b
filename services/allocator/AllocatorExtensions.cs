using MassTransit;
using OpenTelemetry.Trace;
using Swarm.Messaging;

namespace Swarm.Allocator;

public static class AllocatorExtensions
{
    /// <summary>Up to 500 messages per batch, or whatever arrived within 5 ms; one batch at a time (a burst is taken from the backlog anyway).</summary>
    private static void Batching(BatchOptions o) => o.SetMessageLimit(500).SetTimeLimit(TimeSpan.FromMilliseconds(5)).SetConcurrencyLimit(1);

    /// <summary>
    /// The allocator: gives every new task an address on the default network (moving it to
    /// <c>pending</c>) and takes the address back when the task ends. Both work in batches, since every
    /// allocation goes through the network's stream anyway.
    /// </summary>
    public static IHostApplicationBuilder AddAllocator(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(NetworkAllocator.Source.Name));
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<TaskCreatedConsumer>()
                .Endpoint(e =>
                {
                    e.PrefetchCount = 16;
                    e.ConcurrentMessageLimit = 1;
                });
            x.AddConsumer<TaskStatusChangedConsumer, EndedTasksDefinition<TaskStatusChangedConsumer>>(c => c.Options<BatchOptions>(Batching))
                .Endpoint(e => e.PrefetchCount = 1000);
        });
        builder.Services.AddSingleton<NetworkAllocator>();
        builder.Services.AddHostedService<AllocatorSweep>();
        return builder;
    }
}
