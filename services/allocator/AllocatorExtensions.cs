using MassTransit;
using OpenTelemetry.Trace;
using Swarm.Allocator.Consumers;
using Swarm.Messaging;

namespace Swarm.Allocator;

public static class AllocatorExtensions
{
    /// <summary>
    /// The allocator: gives every new task an address on each network its service attaches, the
    /// service's virtual IPs and its published ports (moving it to <c>pending</c>; a task on no network
    /// moves too, with no address), and takes the addresses back when the task ends. Both work in
    /// batches, one transaction per batch (see the consumer definitions and <see cref="NetworkAllocator"/>).
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
