using Swarm.ServiceDefaults;

namespace Swarm.Allocator;

public static class AllocatorExtensions
{
    /// <summary>
    /// The allocator: gives every new task an address on the default network (moving it to
    /// <c>pending</c>) and takes the address back when the task ends. One queue, one message at a time:
    /// every allocation goes through the network's stream anyway.
    /// </summary>
    public static IHostApplicationBuilder AddAllocator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSwarmManager(builder.Configuration, x =>
        {
            x.AddConsumer<TaskCreatedConsumer>().Endpoint(e =>
            {
                e.Name = $"{builder.Configuration.EndpointPrefix()}-tasks";
                e.ConcurrentMessageLimit = 1;
            });
            x.AddConsumer<TaskStatusChangedConsumer>().Endpoint(e =>
            {
                e.Name = $"{builder.Configuration.EndpointPrefix()}-tasks";
                e.ConcurrentMessageLimit = 1;
            });
        });
        builder.Services.AddSingleton<NetworkAllocator>();
        builder.Services.AddHostedService<AllocatorSweep>();
        return builder;
    }
}
