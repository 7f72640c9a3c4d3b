using MassTransit;
using OpenTelemetry.Trace;
using Swarm.Allocator.Consumers;
using Swarm.Messaging;

namespace Swarm.Allocator;

public static class AllocatorExtensions
{
    /// <summary>
    /// The allocator: gives every new task an address on the default network (moving it to
    /// <c>pending</c>) and takes the address back when the task ends. Both work in batches, since every
    /// allocation goes through the network's stream anyway (see the consumer definitions).
    /// </summary>
    public static IHostApplicationBuilder AddAllocator(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(NetworkAllocator.Source.Name));
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<TasksCreatedConsumer, TasksCreatedConsumerDefinition>();
            x.AddConsumer<TaskStatusChangedConsumer, TaskStatusChangedConsumerDefinition>();
        });
        builder.Services.AddSingleton<NetworkAllocator>();
        builder.Services.AddHostedService<AllocatorSweep>();
        return builder;
    }
}
