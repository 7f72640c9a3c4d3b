using System.Collections.Concurrent;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Swarm.Contracts.Events;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// The relay puts the busiest task events of a page on the bus as batches (at most 500 each, in log
/// order) and every other event as a message of its own.
/// </summary>
public sealed class RelayBatchTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task A_page_of_task_assignments_is_relayed_as_batches_of_at_most_500_in_log_order()
    {
        await using var log = await SeededLog.CreateAsync();
        var node = await log.NodeAsync("worker-1", Swarm.Contracts.Model.NodeStatus.Ready);
        for (var i = 0; i < 1100; i++)
        {
            await log.TaskAsync("web", DateTimeOffset.UtcNow, SeededLog.Assigned(node, DateTimeOffset.UtcNow));
        }

        List<JasperFx.Events.IEvent> page;
        await using (var query = log.Store.QuerySession())
        {
            page = (await query.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync()).ToList();
        }

        using var host = await TestHosts.StartBusAsync(log.Cluster, "relay-batches", x =>
        {
            x.AddConsumer<BatchConsumer>();
            x.AddConsumer<SingleConsumer>();
        }, services => services.AddSingleton<Received>());
        try
        {
            await EventRelay.PublishPageAsync(host.Services.GetRequiredService<IBus>(), page, CancellationToken.None);
            var received = host.Services.GetRequiredService<Received>();
            await Eventually.WaitAsync(() => Task.FromResult(received.Batches.Sum(b => b.Count)), n => n == 1100, Timeout, "1,100 assignments in batches");
            await Eventually.WaitAsync(() => Task.FromResult(received.Registered.Count), n => n == 1, Timeout, "the node's registration on its own");

            Assert.Equal([500, 500, 100], received.Batches.Select(b => b.Count).OrderDescending());
            var expected = page.Where(e => e.Data is TaskAssigned).Select(e => ((TaskAssigned)e.Data).TaskId).ToList();
            Assert.Equal(expected, received.Batches.OrderBy(b => expected.IndexOf(b[0])).SelectMany(b => b).ToList());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class Received
    {
        public ConcurrentBag<List<Guid>> Batches { get; } = [];

        public ConcurrentBag<Guid> Registered { get; } = [];
    }

    private sealed class BatchConsumer(Received received) : IConsumer<TasksAssigned>
    {
        public Task Consume(ConsumeContext<TasksAssigned> context)
        {
            received.Batches.Add(context.Message.Events.Select(e => e.TaskId).ToList());
            return Task.CompletedTask;
        }
    }

    private sealed class SingleConsumer(Received received) : IConsumer<NodeRegistered>
    {
        public Task Consume(ConsumeContext<NodeRegistered> context)
        {
            received.Registered.Add(context.Message.NodeId);
            return Task.CompletedTask;
        }
    }
}
