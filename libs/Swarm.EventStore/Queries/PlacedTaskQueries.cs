using Marten;
using Npgsql;
using Swarm.Contracts.Model;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Tasks;

namespace Swarm.EventStore.Queries;

/// <summary>What the nodes hold: the tasks bound to a node that count for placement.</summary>
public sealed record PlacedTasks(List<PlacedTask> Live, List<PlacedTask> Failed);

/// <summary>The scheduler's read of the tasks placed on nodes.</summary>
public static class PlacedTaskQueries
{
    // states as the task documents store them
    private static readonly string[] Live =
        [nameof(TaskState.Assigned), nameof(TaskState.Accepted), nameof(TaskState.Preparing), nameof(TaskState.Ready), nameof(TaskState.Starting), nameof(TaskState.Running)];

    private static readonly string[] Failed = [nameof(TaskState.Failed), nameof(TaskState.Rejected)];

    /// <summary>
    /// Every live task bound to a node, and every task that failed or was rejected on one since
    /// <paramref name="failedSince"/>: typed columns from one statement, since with ten thousand tasks
    /// running this read is most of what an idle round costs (whole documents took ten times as long).
    /// </summary>
    public static async Task<PlacedTasks> PlacedTasksAsync(this IDocumentStore store, DateTimeOffset failedSince, CancellationToken cancellationToken)
    {
        var table = store.TableOf<SwarmTask>();
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"select (data->>'nodeId')::uuid, (data->>'serviceId')::uuid, (data->>'specVersion')::bigint, data->>'state', data->>'desiredState', (data->>'updatedAt')::timestamptz " +
            $"from {table} where data->>'nodeId' is not null and (data->>'state' = any(@live) or (data->>'state' = any(@failed) and (data->>'updatedAt')::timestamptz >= @since))",
            connection);
        command.Parameters.AddWithValue("live", Live);
        command.Parameters.AddWithValue("failed", Failed);
        command.Parameters.AddWithValue("since", failedSince);
        var live = new List<PlacedTask>();
        var failed = new List<PlacedTask>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // the row is buffered once ReadAsync returned (the reader is not sequential): reading a field does not block
#pragma warning disable VSTHRD103
            var task = new PlacedTask(
                reader.GetGuid(0),
                reader.GetGuid(1),
                reader.GetInt64(2),
                Enum.Parse<TaskState>(reader.GetString(3)),
                Enum.Parse<DesiredState>(reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5));
#pragma warning restore VSTHRD103
            (TaskStateMachine.IsTerminal(task.State) ? failed : live).Add(task);
        }

        return new PlacedTasks(live, failed);
    }
}
