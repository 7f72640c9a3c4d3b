using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Swarm.EventStore;

namespace Swarm.Testing;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ are: SWARM_TEST_POSTGRES (a database the tests may create
/// schemas in), SWARM_TEST_RABBITMQ (amqp://user:pass@host:port, no vhost) and SWARM_TEST_RABBITMQ_API
/// (the management API). <c>./swarm test</c> sets all three after starting both servers. Without them,
/// both run in containers when a Docker engine is reachable; otherwise the tests that need them skip.
/// </summary>
public static class TestInfrastructure
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _resolved;

    public static string? Postgres { get; private set; } = Environment.GetEnvironmentVariable("SWARM_TEST_POSTGRES");
    public static string? RabbitMq { get; private set; } = Environment.GetEnvironmentVariable("SWARM_TEST_RABBITMQ")?.TrimEnd('/');
    public static string? RabbitMqApi { get; private set; } = Environment.GetEnvironmentVariable("SWARM_TEST_RABBITMQ_API")?.TrimEnd('/');

    public static string? MissingReason =>
        string.IsNullOrWhiteSpace(Postgres) || string.IsNullOrWhiteSpace(RabbitMq) || string.IsNullOrWhiteSpace(RabbitMqApi)
            ? "needs real PostgreSQL and RabbitMQ: SWARM_TEST_POSTGRES, SWARM_TEST_RABBITMQ and SWARM_TEST_RABBITMQ_API are not all set and no Docker engine is reachable (run the suite with ./swarm test, which starts and sets them)"
            : null;

    /// <summary>Fills in the settings, starting containers when none are given and Docker is there.</summary>
    public static async Task ResolveAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_resolved || MissingReason is null || !Containers.DockerReachable)
            {
                return;
            }

            _resolved = true;
            (Postgres, RabbitMq, RabbitMqApi) = await Containers.StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    public static (string User, string Password) RabbitCredentials()
    {
        var uri = new Uri(RabbitMq!);
        var parts = uri.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
    }

    public static HttpClient ManagementClient()
    {
        var (user, password) = RabbitCredentials();
        var client = new HttpClient { BaseAddress = new Uri(RabbitMqApi! + "/"), Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }
}

/// <summary>
/// A cluster log and a bus of its own: a fresh PostgreSQL schema and a fresh RabbitMQ vhost, created
/// for one test and dropped after it, so tests never see each other's events or messages.
/// </summary>
public sealed class IsolatedCluster : IAsyncDisposable
{
    /// <summary>A new isolated cluster; skips the calling test when PostgreSQL/RabbitMQ are not configured.</summary>
    public static async Task<IsolatedCluster> CreateAsync()
    {
        await TestInfrastructure.ResolveAsync();
        Skip.If(TestInfrastructure.MissingReason is not null, TestInfrastructure.MissingReason);
        var cluster = new IsolatedCluster();
        await cluster.InitializeAsync();
        return cluster;
    }

    public string Schema { get; } = $"t_{Guid.NewGuid():N}"[..14];
    public string VHost { get; }
    public bool Available => TestInfrastructure.MissingReason is null;
    public string PostgresConnection => TestInfrastructure.Postgres!;
    public string RabbitMqUri => $"{TestInfrastructure.RabbitMq}/{Uri.EscapeDataString(VHost)}";

    public IsolatedCluster()
    {
        VHost = $"swarm-test-{Schema}";
    }

    public async Task InitializeAsync()
    {
        if (!Available)
        {
            return;
        }

        await EventStoreExtensions.ApplySchemaAsync(PostgresConnection, Schema);
        using var api = TestInfrastructure.ManagementClient();
        (await api.PutAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}", null)).EnsureSuccessStatusCode();
        var (user, _) = TestInfrastructure.RabbitCredentials();
        var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await api.PutAsync($"api/permissions/{Uri.EscapeDataString(VHost)}/{Uri.EscapeDataString(user)}", permissions)).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (!Available)
        {
            return;
        }

        try
        {
            using var api = TestInfrastructure.ManagementClient();
            await api.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(VHost)}");
            await using var connection = new NpgsqlConnection(PostgresConnection);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception)
        {
            // leftovers are harmless: every run uses new names
        }
    }

    /// <summary>Configuration a Swarm process needs to join this cluster.</summary>
    public Dictionary<string, string?> Settings(string endpointPrefix) => new()
    {
        ["ConnectionStrings:Postgres"] = PostgresConnection,
        ["ConnectionStrings:RabbitMq"] = RabbitMqUri,
        ["Swarm:Schema"] = Schema,
        ["Swarm:EndpointPrefix"] = endpointPrefix,
    };

    /// <summary>A queue's message count, from the management API.</summary>
    public async Task<int> QueueDepthAsync(string queue)
    {
        using var api = TestInfrastructure.ManagementClient();
        var response = await api.GetAsync($"api/queues/{Uri.EscapeDataString(VHost)}/{Uri.EscapeDataString(queue)}");
        if (!response.IsSuccessStatusCode)
        {
            return -1;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt32() : 0;
    }
}
