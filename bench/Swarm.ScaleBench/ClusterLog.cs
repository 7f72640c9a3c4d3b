using Npgsql;

namespace Swarm.ScaleBench;

/// <summary>Reads the run's cluster log and read models directly, for exact timings.</summary>
public sealed class ClusterLog(string connectionString, string schema)
{
    public async Task<int> RunningTasksAsync(Guid? serviceId, CancellationToken ct)
    {
        var sql = $"select count(*) from {schema}.mt_doc_swarmtask where data->>'state' = 'Running' and data->>'desiredState' = 'Running'"
            + (serviceId is null ? "" : " and data->>'serviceId' = @service");
        return (int)(long)(await ScalarAsync(sql, serviceId?.ToString(), ct) ?? 0L);
    }

    public async Task<int> ReadyNodesAsync(CancellationToken ct) =>
        (int)(long)(await ScalarAsync($"select count(*) from {schema}.mt_doc_node where data->>'status' = 'Ready'", null, ct) ?? 0L);

    public async Task<long> EventCountAsync(CancellationToken ct) =>
        (long)(await ScalarAsync($"select count(*) from {schema}.mt_events", null, ct) ?? 0L);

    /// <summary>Newest event in the log minus the newest the relay has published.</summary>
    public async Task<long> RelayLagAsync(CancellationToken ct) =>
        (long)(await ScalarAsync(
            $"select coalesce((select max(seq_id) from {schema}.mt_events), 0) - coalesce((select last_seq_id from {schema}.mt_event_progression where name = 'relay:All'), 0)",
            null,
            ct) ?? 0L);

    /// <summary>Nodes marked down during the run (a healthy simulated cluster has none).</summary>
    public async Task<int> NodesMarkedDownAsync(CancellationToken ct) =>
        (int)(long)(await ScalarAsync($"select count(*) from {schema}.mt_events where type = 'node_status_changed' and data->>'status' = 'Down'", null, ct) ?? 0L);

    /// <summary>Per task created after <paramref name="since"/>: when it was created and when it first ran.</summary>
    public async Task<List<TaskTiming>> TimingsAsync(DateTimeOffset since, CancellationToken ct)
    {
        var sql = $"""
            select c.stream_id, c.timestamp, r.first_running, c.data->>'serviceId', (c.data->>'slot')::int
            from {schema}.mt_events c
            left join (
                select stream_id, min(timestamp) as first_running
                from {schema}.mt_events
                where type = 'task_status_changed' and (data->>'state' = 'Running' or jsonb_path_exists(data, '$.passed[*] ? (@.state == "Running")'))
                group by stream_id) r on r.stream_id = c.stream_id
            where c.type = 'task_created' and c.timestamp >= @since
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("since", since);
        var result = new List<TaskTiming>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            // the row is buffered once ReadAsync returned (the reader is not sequential): reading a field does not block
#pragma warning disable VSTHRD103
            result.Add(new TaskTiming(
                reader.GetGuid(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                Guid.Parse(reader.GetString(3)),
                reader.GetInt32(4)));
#pragma warning restore VSTHRD103
        }

        return result;
    }

    /// <summary>
    /// Median, p95 and p99 time of each hop of a task's path (created → allocated → assigned → accepted → running),
    /// over tasks created after <paramref name="since"/>: where the time goes.
    /// </summary>
    public async Task<List<Hop>> HopsAsync(DateTimeOffset since, CancellationToken ct)
    {
        var sql = $"""
            with t as (
                select stream_id,
                    (select min(s.timestamp) from {schema}.mt_events s where s.type = 'service_created'
                        and s.stream_id = (min(e.data->>'serviceId') filter (where e.type = 'task_created'))::uuid) as requested,
                    min(timestamp) filter (where type = 'task_created') as created,
                    min(timestamp) filter (where type = 'task_allocated') as allocated,
                    min(timestamp) filter (where type = 'task_assigned') as assigned,
                    min(timestamp) filter (where type = 'task_status_changed' and (data->>'state' = 'Accepted' or jsonb_path_exists(data, '$.passed[*] ? (@.state == "Accepted")'))) as accepted,
                    min(timestamp) filter (where type = 'task_status_changed' and (data->>'state' = 'Running' or jsonb_path_exists(data, '$.passed[*] ? (@.state == "Running")'))) as running
                from {schema}.mt_events e where stream_id in (select stream_id from {schema}.mt_events where type = 'task_created' and timestamp >= @since)
                group by stream_id)
            select hop,
                percentile_cont(0.5) within group (order by ms),
                percentile_cont(0.95) within group (order by ms),
                percentile_cont(0.99) within group (order by ms)
            from (
                select 'service created→task created' as hop, 0 as o, extract(epoch from created - requested) * 1000 as ms from t
                union all select 'created→allocated', 1, extract(epoch from allocated - created) * 1000 from t
                union all select 'allocated→assigned', 2, extract(epoch from assigned - allocated) * 1000 from t
                union all select 'assigned→accepted', 3, extract(epoch from accepted - assigned) * 1000 from t
                union all select 'accepted→running', 4, extract(epoch from running - accepted) * 1000 from t) h
            where ms is not null
            group by hop, o order by o
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("since", since);
        var result = new List<Hop>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new Hop(reader.GetString(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)));
        }

        return result;
    }

    /// <summary>Slots of replicated services with more than one task running at once now.</summary>
    public async Task<int> DuplicateRunningSlotsAsync(CancellationToken ct) =>
        (int)(long)(await ScalarAsync(
            $"""
            select count(*) from (
                select data->>'serviceId', data->>'slot' from {schema}.mt_doc_swarmtask
                where data->>'state' = 'Running' and data->>'desiredState' = 'Running'
                group by 1, 2 having count(*) > 1) d
            """,
            null,
            ct) ?? 0L);

    private async Task<object?> ScalarAsync(string sql, string? service, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        if (service is not null)
        {
            command.Parameters.AddWithValue("service", service);
        }

        return await command.ExecuteScalarAsync(ct);
    }
}

public sealed record TaskTiming(Guid TaskId, DateTimeOffset Created, DateTimeOffset? Running, Guid ServiceId, int Slot)
{
    public double? LatencyMs => Running is { } r ? (r - Created).TotalMilliseconds : null;
}
