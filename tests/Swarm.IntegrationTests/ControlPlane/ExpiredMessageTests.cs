using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// A message handled after its expiration time is not handled at all, even when the broker delivered
/// it in time (prefetched behind a slow one): its sender has already answered its own client that it
/// was not applied.
/// </summary>
public sealed class ExpiredMessageTests
{
    [SkippableFact]
    public async Task A_message_delivered_in_time_but_reached_after_it_expired_is_not_handled()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var probes = new Probes();
        using var host = await TestHosts.StartBusAsync(
            cluster,
            "expiry",
            x => x.AddConsumer<ProbeConsumer>().Endpoint(e =>
            {
                // one at a time, the others waiting in the prefetch buffer
                e.ConcurrentMessageLimit = 1;
                e.PrefetchCount = 8;
            }),
            s => s.AddSingleton(probes));
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            await bus.Publish(new ExpiryProbe { Number = 1, Block = true });
            await probes.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));

            await bus.Publish(new ExpiryProbe { Number = 2 }, c => c.TimeToLive = TimeSpan.FromSeconds(2));
            await Task.Delay(TimeSpan.FromSeconds(3));
            probes.Release.SetResult();

            await bus.Publish(new ExpiryProbe { Number = 3 });
            var handled = await Eventually.WaitAsync(() => Task.FromResult(probes.Handled.ToArray()), h => h.Contains(3), TimeSpan.FromSeconds(30), "the third message handled");
            Assert.Equal([1, 3], handled);
        }
        finally
        {
            probes.Release.TrySetResult();
            await host.StopAsync();
        }
    }

    public sealed record ExpiryProbe
    {
        public int Number { get; init; }
        public bool Block { get; init; }
    }

    public sealed class Probes
    {
        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public ConcurrentQueue<int> Handled { get; } = new();
    }

    public sealed class ProbeConsumer(Probes probes) : IConsumer<ExpiryProbe>
    {
        public async Task Consume(ConsumeContext<ExpiryProbe> context)
        {
            if (context.Message.Block)
            {
                probes.Blocked.TrySetResult();
                await probes.Release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }

            probes.Handled.Enqueue(context.Message.Number);
        }
    }
}
