using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Services;
using Swarm.EventStore.Secrets;
using Swarm.IntegrationTests.Api;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Secrets;

/// <summary>
/// <c>/api/secrets</c> and <c>/api/configs</c> on a real PostgreSQL: the value is stored only encrypted (no table of the
/// cluster's schema holds it, or its base64, as text), never answered for a secret, and a secret a service uses is not
/// removed. No orchestrator runs: services are written to the read model directly.
/// </summary>
public sealed class SecretRoutesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 20, 0, 0, TimeSpan.Zero);

    private static async Task<HttpResponseMessage> CreateAsync(HttpClient client, string kind, string name, byte[] value, Dictionary<string, string>? labels = null) =>
        await client.PostAsJsonAsync($"/api/{kind}", new CreateSecretRequest { Name = name, Data = Convert.ToBase64String(value), Labels = labels });

    /// <summary>Every row of every table of the cluster's schema, as text (what a <c>pg_dump</c> of it would show).</summary>
    private static async Task<string> DumpAsync(IsolatedCluster cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.PostgresConnection);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("select table_name from information_schema.tables where table_schema = @schema and table_type = 'BASE TABLE'", connection))
        {
            list.Parameters.AddWithValue("schema", cluster.Schema);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"select t::text from \"{cluster.Schema}\".\"{table}\" t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dump.Append(table).Append(": ").AppendLine(reader.GetString(0));
            }
        }

        return dump.ToString();
    }

    [SkippableFact]
    public async Task A_secret_value_is_stored_only_encrypted_and_never_answered()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        var value = Encoding.UTF8.GetBytes($"pw-{Guid.NewGuid():N}-distinctive");
        var base64 = Convert.ToBase64String(value);

        using var created = await CreateAsync(client, "secrets", "db-password", value, new() { ["env"] = "prod" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdText = await created.Content.ReadAsStringAsync();
        var view = (await created.Content.ReadFromJsonAsync<SecretView>())!;
        Assert.Equal(("db-password", value.Length, "prod"), (view.Name, view.Size, view.Labels["env"]));

        var listed = await client.GetStringAsync("/api/secrets");
        var inspected = await client.GetStringAsync($"/api/secrets/db-password");
        var byId = await client.GetFromJsonAsync<SecretView>($"/api/secrets/{view.Id}");
        Assert.Equal(view.Id, byId!.Id);
        Assert.Contains("db-password", listed);
        foreach (var answer in new[] { createdText, listed, inspected })
        {
            Assert.DoesNotContain(base64, answer);
            Assert.DoesNotContain(Encoding.UTF8.GetString(value), answer);
            Assert.Null(JsonNode.Parse(answer) is JsonObject o ? o["data"] : null);
        }

        var dump = await DumpAsync(cluster);
        Assert.Contains("db-password", dump); // the scan sees the metadata: it would see the value too
        Assert.Contains("secret_created", dump);
        Assert.DoesNotContain(Encoding.UTF8.GetString(value), dump);
        Assert.DoesNotContain(base64, dump);
        Assert.DoesNotContain(Convert.ToHexStringLower(value), dump);

        // the value is there, encrypted, and opens with the cluster's key-encryption key
        var store = api.App.Services.GetRequiredService<SecretStore>();
        Assert.Equal(value, await store.ReadValueAsync(SecretStore.SecretKind, view.Id));

        // and not with another one
        var other = new SecretStore(api.App.Services.GetRequiredService<IDocumentStore>(), KeyEncryptionKey.Parse(KeyEncryptionKey.Generate()));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => other.ReadValueAsync(SecretStore.SecretKind, view.Id));

        // a second secret of the same name is refused while the first lives
        using var again = await CreateAsync(client, "secrets", "db-password", "other"u8.ToArray());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [SkippableFact]
    public async Task A_secret_in_use_is_not_removed_and_the_answer_names_the_services()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        using var created = await CreateAsync(client, "secrets", "api-key", "k3y-material"u8.ToArray());
        var secret = (await created.Content.ReadFromJsonAsync<SecretView>())!;

        var webId = Guid.NewGuid();
        await using (var session = api.App.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(
                new Service { Id = webId, Name = "web", CreatedAt = At, UpdatedAt = At, Spec = new ServiceSpec { Name = "web", Command = ["sleep", "1"], Secrets = [new SecretReferenceSpec { Source = "api-key" }] } },
                new Service { Id = Guid.NewGuid(), Name = "gone", Removed = true, Spec = new ServiceSpec { Name = "gone", Command = ["true"], Secrets = [new SecretReferenceSpec { Source = "api-key" }] } });
            await session.SaveChangesAsync();
        }

        using var refused = await client.DeleteAsync("/api/secrets/api-key");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var reason = (await refused.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason;
        Assert.Contains("web", reason);
        Assert.DoesNotContain("gone", reason);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/secrets/api-key")).StatusCode);

        await using (var session = api.App.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            var web = await session.LoadAsync<Service>(webId);
            session.Store(web! with { Removed = true });
            await session.SaveChangesAsync();
        }

        using var removed = await client.DeleteAsync($"/api/secrets/{secret.Id}");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/secrets/api-key")).StatusCode);
        Assert.Null(await api.App.Services.GetRequiredService<SecretStore>().ReadValueAsync(SecretStore.SecretKind, secret.Id));

        // the name is free again
        using var recreated = await CreateAsync(client, "secrets", "api-key", "new-material"u8.ToArray());
        Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
    }

    [SkippableFact]
    public async Task A_service_referencing_a_missing_secret_or_config_is_refused_naming_the_reference()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        using var _ = await CreateAsync(client, "secrets", "present", "x"u8.ToArray());

        var spec = new ServiceSpec { Name = "web", Command = ["sleep", "1"], Secrets = [new() { Source = "present" }, new() { Source = "absent" }] };
        using var response = await client.PostAsJsonAsync("/api/services", spec);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<ApiErrorBody>())!;
        Assert.Equal("spec.secrets[1].source", error.Field);
        Assert.Contains("absent", error.Reason);

        using var config = await client.PostAsJsonAsync("/api/services", spec with { Secrets = null, Configs = [new() { Source = "nginx-conf" }] });
        Assert.Equal("spec.configs[0].source", (await config.Content.ReadFromJsonAsync<ApiErrorBody>())!.Field);

        using var badTarget = await client.PostAsJsonAsync("/api/services", spec with { Secrets = [new() { Source = "present", Target = "../x" }] });
        Assert.Equal(HttpStatusCode.BadRequest, badTarget.StatusCode);
        Assert.Equal("spec.secrets[0].target", (await badTarget.Content.ReadFromJsonAsync<ApiErrorBody>())!.Field);
    }

    [SkippableFact]
    public async Task A_config_is_answered_with_its_value_and_bad_input_is_refused()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        var value = "server { listen 80; }"u8.ToArray();

        using var created = await CreateAsync(client, "configs", "nginx-conf", value);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await client.GetFromJsonAsync<ConfigView>("/api/configs/nginx-conf"))!;
        Assert.Equal(Convert.ToBase64String(value), view.Data);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(value)), view.Digest);
        Assert.Null((await client.GetFromJsonAsync<List<ConfigView>>("/api/configs"))!.Single().Data);

        foreach (var (kind, body, field) in new[]
        {
            ("secrets", new CreateSecretRequest { Name = "-bad", Data = "eA==" }, "name"),
            ("secrets", new CreateSecretRequest { Name = "ok", Data = "not base64!" }, "data"),
            ("secrets", new CreateSecretRequest { Name = "ok", Data = "" }, "data"),
            ("configs", new CreateSecretRequest { Name = "ok", Data = Convert.ToBase64String(new byte[500 * 1024 + 1]) }, "data"),
        })
        {
            using var response = await client.PostAsJsonAsync($"/api/{kind}", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(field, (await response.Content.ReadFromJsonAsync<ApiErrorBody>())!.Field);
        }

        Assert.Empty((await client.GetFromJsonAsync<List<SecretView>>("/api/secrets"))!);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/api/configs/nginx-conf")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await client.PutAsJsonAsync("/api/configs/nginx-conf", new CreateSecretRequest())).StatusCode);
    }
}
