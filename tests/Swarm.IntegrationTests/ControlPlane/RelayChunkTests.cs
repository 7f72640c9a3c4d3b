using JasperFx.Events;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.EventStore;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>How the relay cuts a page's task events into batch messages.</summary>
public sealed class RelayChunkTests
{
    [Fact]
    public void Batches_hold_at_most_500_events_and_about_4_MiB_in_their_order_and_an_oversized_event_goes_alone()
    {
        IEvent Assigned() => new Event<TaskAssigned>(new TaskAssigned { TaskId = Guid.NewGuid(), NodeId = Guid.NewGuid() });
        IEvent Created(int envBytes) => new Event<TaskCreated>(new TaskCreated
        {
            TaskId = Guid.NewGuid(),
            Spec = new ServiceSpec { Name = "big", Env = new Dictionary<string, string> { ["BLOB"] = new('x', envBytes) } },
        });

        var small = Enumerable.Range(0, 1200).Select(_ => Assigned()).ToList();
        var chunks = EventRelay.Chunks(small, weigh: false).ToList();
        Assert.Equal([500, 500, 200], chunks.Select(c => c.Length));
        Assert.Equal(small, chunks.SelectMany(c => c));

        // 1 MiB each: four fit under 4 MiB with their other fields, not five
        var large = Enumerable.Range(0, 10).Select(_ => Created(1024 * 1024 - 4096)).ToList();
        chunks = EventRelay.Chunks(large, weigh: true).ToList();
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 4));
        Assert.Equal(large, chunks.SelectMany(c => c));

        var oversized = Created(5 * 1024 * 1024);
        chunks = EventRelay.Chunks([Created(10), oversized, Created(10)], weigh: true).ToList();
        Assert.Equal([1, 1, 1], chunks.Select(c => c.Length));
        Assert.Same(oversized, chunks[1][0]);
    }
}
