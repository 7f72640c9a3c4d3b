using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore.Security;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Api;

/// <summary>
/// Autolock through the control API on a real PostgreSQL: turned on, the running API keeps serving; started again it is
/// locked — 503 <c>locked</c> on every route but the unlock and the cluster status, also over TLS, which it still serves
/// with its locked identity — a wrong key is refused, the right one unlocks.
/// </summary>
public sealed class AutolockRoutesTests
{
    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static async Task AssertLockedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("locked", (string?)body["code"]);
        Assert.Equal("the cluster is locked: run 'swarmctl cluster unlock' with the unlock key", (string?)body["reason"]);
    }

    [SkippableFact]
    public async Task A_restarted_control_api_is_locked_until_unlocked_with_the_right_key()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var kek = KeyEncryptionKey.Generate();
        string key;
        X509Certificate2 admin;
        await using (var first = await ControlApiHost.StartAsync(cluster, kek))
        {
            using var client = first.Socket();
            admin = await AdminCertificateAsync(client);
            using var missing = await client.PostAsJsonAsync("api/cluster/autolock", new { });
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Equal("autolock", (string?)(await JsonAsync(missing))["field"]);

            using var enabled = await client.PostAsJsonAsync("api/cluster/autolock", new UpdateAutolockRequest { Autolock = true });
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
            var view = (await enabled.Content.ReadFromJsonAsync<AutolockView>())!;
            Assert.True(view.Enabled);
            Assert.False(view.Locked);
            key = view.UnlockKey!;
            Assert.StartsWith("SWMKEY-1-", key, StringComparison.Ordinal);

            // shown once: turning it on again shows no key; the process that made it still serves and can show it
            using var again = await client.PostAsJsonAsync("api/cluster/autolock", new UpdateAutolockRequest { Autolock = true });
            Assert.Null((await again.Content.ReadFromJsonAsync<AutolockView>())!.UnlockKey);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/cluster/join-tokens")).StatusCode);
            Assert.Equal(key, (await client.GetFromJsonAsync<UnlockKeyView>("api/cluster/unlock-key"))!.UnlockKey);
        }

        await using (var restarted = await ControlApiHost.StartAsync(cluster, kek))
        {
            using (var client = restarted.Socket())
            {
                await AssertLockedAsync(await client.GetAsync("api/services"));
                await AssertLockedAsync(await client.GetAsync("api/cluster/join-tokens"));
                await AssertLockedAsync(await client.PostAsJsonAsync("api/services", new { }));
                await AssertLockedAsync(await client.PostAsJsonAsync("api/secrets", new CreateSecretRequest { Name = "a", Data = "dg==" }));
                await AssertLockedAsync(await client.GetAsync("api/cluster/unlock-key"));
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/cluster")).StatusCode);
                var status = (await client.GetFromJsonAsync<AutolockView>("api/cluster/autolock"))!;
                Assert.True(status.Enabled);
                Assert.True(status.Locked);
                Assert.Equal(HttpStatusCode.OK, (await restarted.Health().GetAsync("healthz")).StatusCode);
            }

            // TLS still works while locked (the locked identity), and an administrator's certificate is told the same
            using (var tls = restarted.Tls(admin))
            {
                await AssertLockedAsync(await tls.GetAsync("api/nodes"));
                Assert.Equal(HttpStatusCode.OK, (await tls.GetAsync("api/cluster")).StatusCode);
            }

            using (var client = restarted.Socket())
            {
                using var malformed = await client.PostAsJsonAsync("api/cluster/unlock", new UnlockRequest { Key = "not-a-key" });
                Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
                var malformedBody = await JsonAsync(malformed);
                Assert.Equal("key", (string?)malformedBody["field"]);
                Assert.Contains("SWMKEY-1-", (string?)malformedBody["reason"], StringComparison.Ordinal);

                using var wrong = await client.PostAsJsonAsync("api/cluster/unlock", new UnlockRequest { Key = UnlockKey.Generate().ToString() });
                Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
                Assert.Contains("not this cluster's current unlock key", (string?)(await JsonAsync(wrong))["reason"], StringComparison.Ordinal);
                await AssertLockedAsync(await client.GetAsync("api/services"));

                using var unlocked = await client.PostAsJsonAsync("api/cluster/unlock", new UnlockRequest { Key = key });
                Assert.Equal(HttpStatusCode.OK, unlocked.StatusCode);
                Assert.False((await unlocked.Content.ReadFromJsonAsync<AutolockView>())!.Locked);

                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/services")).StatusCode);
                Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("api/services", new { })).StatusCode); // refused on its merits now
                using var created = await client.PostAsJsonAsync("api/secrets", new CreateSecretRequest { Name = "a", Data = "dg==" });
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
                Assert.Equal(key, (await client.GetFromJsonAsync<UnlockKeyView>("api/cluster/unlock-key"))!.UnlockKey);

                // rotate: a new key, the old one refused by the next start; off: the next start is not locked
                var rotated = (await (await client.PostAsJsonAsync("api/cluster/unlock-key/rotate", new { })).Content.ReadFromJsonAsync<UnlockKeyView>())!.UnlockKey;
                Assert.NotEqual(key, rotated);
                using var off = await client.PostAsJsonAsync("api/cluster/autolock", new UpdateAutolockRequest { Autolock = false });
                Assert.False((await off.Content.ReadFromJsonAsync<AutolockView>())!.Enabled);
            }
        }

        await using var plain = await ControlApiHost.StartAsync(cluster, kek);
        using var plainClient = plain.Socket();
        Assert.Equal(HttpStatusCode.OK, (await plainClient.GetAsync("api/cluster/join-tokens")).StatusCode);
    }

    private static async Task<X509Certificate2> AdminCertificateAsync(HttpClient client)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var answer = await client.PostAsJsonAsync("api/cluster/ca/client-certificate", new ClientCertificateRequest { Csr = Convert.ToBase64String(csr), Name = "alice" });
            answer.EnsureSuccessStatusCode();
            var issued = (await answer.Content.ReadFromJsonAsync<ClientCertificateView>())!;
            return Pem.WithKey(Pem.ReadCertificates(issued.Certificate)[0].ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }
}
