using Marten;
using Npgsql;
using Swarm.Domain.Nodes;
using Swarm.Domain.Tasks;

namespace Swarm.EventStore.Queries;

/// <summary>Tasks of one service in one state.</summary>
public sealed record TaskCount(string State, string Service, long Count);

/// <summary>Tasks not yet assigned, by the reason they wait.</summary>
public sealed record PendingCount(string Reason, long Count);

/// <summary>Nodes in one status (removed nodes are not counted).</summary>
public sealed record NodeCount(string Status, long Count);

/// <summary>
/// The read models counted by grouped queries (three GROUP BYs in one round trip; no document is
/// loaded). States and statuses are lower case (<c>running</c>, <c>ready</c>).
/// </summary>
public sealed record ReadModelCounts(IReadOnlyList<TaskCount> Tasks, IReadOnlyList<PendingCount> Pending, IReadOnlyList<NodeCount> Nodes)
{
    public static readonly ReadModelCounts Empty = new([], [], []);

    /// <summary>The reason of a task that waits for the scheduler and was never found unschedulable.</summary>
    public const string WaitingForScheduler = "waiting for scheduler";

    /// <summary>How the scheduler's reasons start (<see cref="Swarm.Domain.Scheduling.Pipeline"/>).</summary>
    internal const string UnschedulablePrefix = "no suitable node";
}

/// <summary>Counts of the task and node read models, for gauges.</summary>
public static class ReadModelCountQueries
{
    /// <summary>Tasks by state and service, pending tasks by reason and nodes by status, in one round trip.</summary>
    public static async Task<ReadModelCounts> CountReadModelsAsync(this IDocumentStore store, CancellationToken ct)
    {
        var tasks = store.TableOf<SwarmTask>();
        var nodes = store.TableOf<Node>();

        await using var connection = await store.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"select lower(data->>'state'), coalesce(data->>'serviceName', ''), count(*) from {tasks} group by 1, 2"),
                new NpgsqlBatchCommand(
                    $"select case when data->>'message' like '{ReadModelCounts.UnschedulablePrefix}%' then data->>'message' else '{ReadModelCounts.WaitingForScheduler}' end, count(*) " +
                    $"from {tasks} where data->>'state' in ('New', 'Pending') group by 1"),
                // removed nodes are no longer nodes of the cluster, whatever status they last had
                new NpgsqlBatchCommand($"select lower(data->>'status'), count(*) from {nodes} where coalesce((data->>'removed')::boolean, false) = false group by 1"),
            },
        };

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var taskCounts = new List<TaskCount>();
        while (await reader.ReadAsync(ct))
        {
            taskCounts.Add(new TaskCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }

        await reader.NextResultAsync(ct);
        var pending = new List<PendingCount>();
        while (await reader.ReadAsync(ct))
        {
            pending.Add(new PendingCount(reader.GetString(0), reader.GetInt64(1)));
        }

        await reader.NextResultAsync(ct);
        var nodeCounts = new List<NodeCount>();
        while (await reader.ReadAsync(ct))
        {
            nodeCounts.Add(new NodeCount(reader.GetString(0), reader.GetInt64(1)));
        }

        return new ReadModelCounts(taskCounts, pending, nodeCounts);
    }
}
