using Marten;
using Swarm.Contracts.Events;
using Swarm.Domain.Orchestration;
using Swarm.Domain.Services;
using Swarm.EventStore;

namespace Swarm.Orchestrator.Reconciliation;

/// <summary>The streams a reconciliation starts for the tasks it creates.</summary>
public static class NewTaskStreams
{
    /// <summary>
    /// The tasks to create, with their derived ids. A slot whose earlier tasks were all reaped (scaled
    /// away, then back) starts again from attempt 1 in the read model, but those tasks' streams stay in
    /// the log: such an id is taken, so the attempt moves on until the id is free. Deciding the same
    /// thing twice still names the same stream.
    /// </summary>
    public static async Task<List<TaskCreated>> CreatedAsync(IDocumentSession session, Service service, IReadOnlyList<NewTask> creates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var created = creates.Select(c => TaskCreation.Created(service, c, now)).ToList();
        if (created.Count == 0)
        {
            return created;
        }

        // one statement for the whole batch; a taken id (rare) then moves on one attempt at a time
        var taken = await session.ExistingStreamsAsync(created.Select(c => c.TaskId).ToList(), cancellationToken);
        for (var i = 0; i < created.Count; i++)
        {
            var create = creates[i];
            var exists = taken.Contains(created[i].TaskId);
            while (exists)
            {
                create = create with { Attempt = create.Attempt + 1 };
                created[i] = TaskCreation.Created(service, create, now);
                exists = await session.Events.FetchStreamStateAsync(created[i].TaskId, cancellationToken) is not null;
            }
        }

        return created;
    }
}
