using System.Text.Json;
using Marten;
using Npgsql;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Tasks;
using Swarm.IntegrationTests.Infrastructure;

namespace Swarm.IntegrationTests.EventStore;

/// <summary>The JSON the log stores for documents and events, read raw from PostgreSQL.</summary>
public sealed class StoredJsonTests
{
    [SkippableFact]
    public async Task Unset_fields_are_left_out_of_a_stored_task_and_its_created_event_and_read_back_as_null()
    {
        await using var log = await SeededLog.CreateAsync();
        var id = Guid.NewGuid();
        // most of the spec unset, as a user usually writes it
        var created = new TaskCreated
        {
            TaskId = id,
            ServiceId = Guid.NewGuid(),
            ServiceName = "web",
            Slot = 3,
            Attempt = 1,
            SpecVersion = 1,
            Spec = new ServiceSpec { Name = "web", Command = ["sleep", "3600"] },
            DesiredState = DesiredState.Running,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var session = log.Store.LightweightSession())
        {
            session.Events.StartStream<SwarmTask>(id, created);
            await session.SaveChangesAsync();
        }

        IDocumentStore store = log.Store;
        var table = store.Options.FindOrResolveDocumentType(typeof(SwarmTask)).TableName.QualifiedName;
        await using var connection = new NpgsqlConnection(log.Cluster.PostgresConnection);
        await connection.OpenAsync();
        using var document = await DataAsync(connection, $"select data::text from {table} where id = @id", id);
        using var @event = await DataAsync(connection, $"select data::text from {log.Cluster.Schema}.mt_events where stream_id = @id and type = 'task_created'", id);

        foreach (var json in new[] { document, @event })
        {
            Assert.Empty(Nulls(json.RootElement, "$"));
            var spec = json.RootElement.GetProperty("spec");
            Assert.Equal("web", spec.GetProperty("name").GetString());
            Assert.Equal(["sleep", "3600"], spec.GetProperty("command").EnumerateArray().Select(a => a.GetString()));
            Assert.False(spec.TryGetProperty("image", out _));
            Assert.Equal(3, json.RootElement.GetProperty("slot").GetInt32());
        }

        Assert.Equal(id, document.RootElement.GetProperty("id").GetGuid());
        Assert.Equal(id, @event.RootElement.GetProperty("taskId").GetGuid());
        Assert.False(document.RootElement.TryGetProperty("nodeId", out _));

        // read back through Marten: every field as written, the left-out ones null again
        await using var query = log.Store.QuerySession();
        var task = await query.LoadAsync<SwarmTask>(id);
        Assert.NotNull(task);
        Assert.Equal(created.Spec.Command, task.Spec.Command);
        // the attachments (none before allocation) come back as a list of their own: compared by their items
        Assert.Empty(task.Networks);
        var fresh = SwarmTask.Create(created);
        Assert.Equal(fresh, task with { Spec = created.Spec, Networks = fresh.Networks });
        AssertSameSpec(created.Spec, task.Spec);
        Assert.Null(task.Spec.Mode);
        Assert.Null(task.Spec.Env);
        Assert.Null(task.NodeId);
        Assert.Null(task.TraceParent);

        var stored = Assert.Single(await query.Events.FetchStreamAsync(id)).Data;
        var read = Assert.IsType<TaskCreated>(stored);
        Assert.Equal(created, read with { Spec = created.Spec });
        AssertSameSpec(created.Spec, read.Spec);
    }

    /// <summary>Every field of two specs equal (the command is a list: compared by its items).</summary>
    private static void AssertSameSpec(ServiceSpec expected, ServiceSpec actual)
    {
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected, actual with { Command = expected.Command });
    }

    private static async Task<JsonDocument> DataAsync(NpgsqlConnection connection, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        var data = await command.ExecuteScalarAsync();
        return JsonDocument.Parse(Assert.IsType<string>(data));
    }

    /// <summary>Paths of the null values in <paramref name="element"/>.</summary>
    private static IEnumerable<string> Nulls(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Null => [path],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Nulls(p.Value, $"{path}.{p.Name}")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Nulls(e, $"{path}[{i}]")),
        _ => [],
    };
}
