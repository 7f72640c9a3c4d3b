using Marten;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;
using Swarm.EventStore;
using Swarm.IntegrationTests.Infrastructure;

namespace Swarm.IntegrationTests.EventStore;

/// <summary>
/// A <see cref="SessionGroup"/> on the real log: a batch larger than <see cref="SessionGroup.StreamsPerSession"/>
/// is written through several sessions and still commits or rolls back as one transaction.
/// </summary>
public sealed class SessionGroupTests
{
    // three sessions: 200 + 200 + 50
    private const int Streams = 450;

    [SkippableFact]
    public async Task Streams_started_over_several_sessions_are_all_written_by_one_commit()
    {
        await using var log = await SeededLog.CreateAsync();
        var serviceId = Guid.NewGuid();
        var ids = NewIds(Streams);

        await using (var group = await SessionGroup.BeginAsync(log.Store, CancellationToken.None))
        {
            StartTasks(group, serviceId, ids);
            Assert.Equal(3, group.Sessions.Count);
            Assert.All(group.Sessions, s => Assert.InRange(s.PendingChanges.Streams().Count(), 1, SessionGroup.StreamsPerSession));
            await group.CommitAsync(CancellationToken.None);
        }

        await using var query = log.Store.QuerySession();
        var tasks = await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).ToListAsync();
        Assert.Equal(ids.Order(), tasks.Select(t => t.Id).Order());
        Assert.Equal(Enumerable.Range(1, Streams), tasks.Select(t => t.Slot).Order());
        Assert.All(tasks, t => Assert.Equal(TaskState.New, t.State));

        var created = await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName == "task_created").ToListAsync();
        Assert.Equal(ids.Order(), created.Select(e => e.StreamId).Order());
        Assert.All(created, e => Assert.Equal(1, e.Version));
    }

    [SkippableFact]
    public async Task Disposing_a_group_without_committing_writes_nothing_even_after_its_sessions_were_saved()
    {
        await using var log = await SeededLog.CreateAsync();
        var serviceId = Guid.NewGuid();

        await using (var group = await SessionGroup.BeginAsync(log.Store, CancellationToken.None))
        {
            StartTasks(group, serviceId, NewIds(Streams));
            foreach (var session in group.Sessions)
            {
                await session.SaveChangesAsync();
            }

            // sent in the group's transaction, which is still open: no other connection sees it
            Assert.Equal(0, await TaskCountAsync(log.Store));
        }

        Assert.Equal(0, await TaskCountAsync(log.Store));
        await using var query = log.Store.QuerySession();
        Assert.Empty(await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName != "tombstone").ToListAsync());
    }

    [SkippableFact]
    public async Task A_conflict_in_the_last_session_rolls_back_every_session()
    {
        await using var log = await SeededLog.CreateAsync();
        var serviceId = Guid.NewGuid();
        var ids = await CreateTasksAsync(log.Store, serviceId, Streams);
        // read by the last session of the group (ids 400..449)
        var contested = ids[^1];
        var now = DateTimeOffset.UtcNow;

        await using (var group = await SessionGroup.BeginAsync(log.Store, CancellationToken.None))
        {
            var streams = await group.FetchForWritingAsync<SwarmTask>(ids, CancellationToken.None);
            Assert.Equal(3, group.Sessions.Count);

            // another writer gets to one of the last session's streams first
            await using (var other = log.Store.LightweightSession())
            {
                other.Events.Append(contested, new TaskUnschedulable { TaskId = contested, ServiceId = serviceId, Reason = "another writer", At = now });
                await other.SaveChangesAsync();
            }

            foreach (var stream in streams)
            {
                stream.AppendOne(TaskDecisions.Allocate(stream.Aggregate!, Guid.NewGuid(), "10.0.0.2", now)!);
            }

            var conflict = await Assert.ThrowsAnyAsync<Exception>(() => group.CommitAsync(CancellationToken.None));
            Assert.True(Conflicts.IsConflict(conflict), $"not a conflict: {conflict}");
        }

        await using var query = log.Store.QuerySession();
        var events = await query.Events.QueryAllRawEvents().Where(e => e.EventTypeName != "tombstone").ToListAsync();
        Assert.DoesNotContain(events, e => e.EventTypeName == "task_allocated");
        var versions = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.Max(e => e.Version));
        Assert.Equal(ids.Order(), versions.Keys.Order());
        Assert.All(ids.Where(id => id != contested), id => Assert.Equal(1, versions[id]));
        Assert.Equal(2, versions[contested]);

        var tasks = await query.Query<SwarmTask>().Where(t => t.ServiceId == serviceId).ToListAsync();
        Assert.Equal(Streams, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(TaskState.New, t.State));
        Assert.Equal("another writer", tasks.Single(t => t.Id == contested).Message);
    }

    [SkippableFact]
    public async Task Streams_fetched_for_writing_come_back_in_the_order_of_the_ids_given()
    {
        await using var log = await SeededLog.CreateAsync();
        var ids = (await CreateTasksAsync(log.Store, Guid.NewGuid(), Streams)).ToArray();
        // neither the order they were written in nor the order of the ids, and one stream that does not exist
        new Random(Streams).Shuffle(ids);
        var missing = Guid.NewGuid();
        List<Guid> asked = [.. ids[..300], missing, .. ids[300..]];

        await using var group = await SessionGroup.BeginAsync(log.Store, CancellationToken.None);
        var streams = await group.FetchForWritingAsync<SwarmTask>(asked, CancellationToken.None);

        Assert.Equal(3, group.Sessions.Count);
        Assert.Equal(asked, streams.Select(s => s.Id));
        Assert.Null(streams[300].Aggregate);
        Assert.Equal(asked.Where(id => id != missing), streams.Where(s => s.Aggregate is not null).Select(s => s.Aggregate!.Id));
    }

    private static List<Guid> NewIds(int count) => Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();

    private static TaskCreated Created(Guid serviceId, Guid taskId, int slot) => new()
    {
        TaskId = taskId,
        ServiceId = serviceId,
        ServiceName = "web",
        Slot = slot,
        Attempt = 1,
        SpecVersion = 1,
        Spec = new ServiceSpec { Name = "web", Replicas = Streams, Command = ["sleep", "3600"] },
        DesiredState = DesiredState.Running,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>Starts a task stream per id, slots from 1, a new session of the group every <see cref="SessionGroup.StreamsPerSession"/>.</summary>
    private static void StartTasks(SessionGroup group, Guid serviceId, IReadOnlyList<Guid> ids)
    {
        foreach (var chunk in ids.Select((id, i) => (Id: id, Slot: i + 1)).Chunk(SessionGroup.StreamsPerSession))
        {
            var session = group.NewSession();
            foreach (var (id, slot) in chunk)
            {
                session.Events.StartStream<SwarmTask>(id, Created(serviceId, id, slot));
            }
        }
    }

    [Theory]
    [InlineData("40P01")] // deadlock detected
    [InlineData("40001")] // serialization failure
    [InlineData("55P03")] // lock not available
    public void A_write_PostgreSQL_refused_for_a_concurrent_writer_is_decided_again(string sqlState)
    {
        var refused = new Npgsql.PostgresException("refused", "ERROR", "ERROR", sqlState);
        Assert.True(Conflicts.IsConflict(new InvalidOperationException("wrapped", refused)));
        Assert.True(Conflicts.IsConflict(new SessionGroupConflictException(new Npgsql.PostgresException("aborted", "ERROR", "ERROR", "25P02"))));
        Assert.False(Conflicts.IsConflict(new Npgsql.PostgresException("syntax", "ERROR", "ERROR", "42601")));
    }

    /// <summary>Task streams written the ordinary way, one session and its own transaction.</summary>
    private static async Task<List<Guid>> CreateTasksAsync(IDocumentStore store, Guid serviceId, int count)
    {
        var ids = NewIds(count);
        await using var session = store.LightweightSession();
        for (var i = 0; i < ids.Count; i++)
        {
            session.Events.StartStream<SwarmTask>(ids[i], Created(serviceId, ids[i], i + 1));
        }

        await session.SaveChangesAsync();
        return ids;
    }

    private static async Task<int> TaskCountAsync(IDocumentStore store)
    {
        await using var query = store.QuerySession();
        return await query.Query<SwarmTask>().CountAsync();
    }
}
