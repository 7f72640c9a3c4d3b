using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Swarm.ControlApi.Contracts;
using Swarm.EventStore.Security;
using Swarm.Security;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Api;

/// <summary>
/// Who may call the control API: its unix socket, or TLS with a manager's (administrator's) certificate of this
/// cluster; nothing else reaches /api. Browser defences: a body must be declared JSON, the Host must be this machine's.
/// </summary>
public sealed class ControlApiSecurityTests
{
    private const string ServiceJson = """{"name":"web","command":["sleep","3600"]}""";

    private static async Task<long> EventCountAsync(ControlApiHost api)
    {
        await using var query = api.App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Events.QueryAllRawEvents().CountAsync();
    }

    [SkippableFact]
    public async Task A_post_without_a_json_content_type_is_415_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();
        var before = await EventCountAsync(api);

        var none = new ByteArrayContent(Encoding.UTF8.GetBytes(ServiceJson));
        using var untyped = await client.PostAsync("api/services", none);
        using var text = await client.PostAsync("api/services", new StringContent(ServiceJson, Encoding.UTF8, "text/plain"));
        using var form = await client.PostAsync("api/cluster/join-tokens/worker/rotate", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, untyped.StatusCode);
        Assert.Contains("application/json", (await untyped.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(before, await EventCountAsync(api));
    }

    [SkippableFact]
    public async Task The_api_over_plain_http_is_403_and_only_health_answers_there()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Health();

        using var nodes = await client.GetAsync("api/nodes");
        using var create = await client.PostAsJsonAsync("api/services", new { name = "web", command = new[] { "true" } });
        using var openapi = await client.GetAsync("openapi/v1.json");
        using var health = await client.GetAsync("healthz");

        Assert.Equal(HttpStatusCode.Forbidden, nodes.StatusCode);
        Assert.Contains("unix socket (ControlApi:Socket) or over TLS with a client certificate", (await nodes.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, openapi.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, health.StatusCode); // 200, or 503 until the bus connected
    }

    [SkippableFact]
    public async Task The_socket_is_0600_in_a_0700_directory_and_answers_the_api()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();

        using var nodes = await client.GetAsync("api/nodes");

        Assert.Equal(HttpStatusCode.OK, nodes.StatusCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(api.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(api.SocketPath)!));
    }

    [SkippableFact]
    public async Task A_host_header_of_another_name_is_400()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();

        using var evil = new HttpRequestMessage(HttpMethod.Get, "api/nodes") { Headers = { Host = "evil.example" } };
        using var refused = await client.SendAsync(evil);
        using var loopback = new HttpRequestMessage(HttpMethod.Get, "api/nodes") { Headers = { Host = "127.0.0.1:5443" } };
        using var allowed = await client.SendAsync(loopback);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("evil.example", (await refused.Content.ReadFromJsonAsync<ApiErrorBody>())!.Reason);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [SkippableFact]
    public async Task Over_tls_only_an_administrator_certificate_of_this_cluster_gets_in()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        var admin = await AdminCertificateAsync(api);
        var worker = await WorkerCertificateAsync(api);
        var foreign = ForeignManagerCertificate();

        using (var anonymous = api.Tls(null))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync("api/nodes"));
        }

        using (var asWorker = api.Tls(worker))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => asWorker.GetAsync("api/nodes"));
        }

        using (var asForeign = api.Tls(foreign))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => asForeign.GetAsync("api/nodes"));
        }

        using var asAdmin = api.Tls(admin);
        using var nodes = await asAdmin.GetAsync("api/nodes");
        Assert.Equal(HttpStatusCode.OK, nodes.StatusCode);
    }

    [SkippableFact]
    public async Task Rotating_a_join_token_changes_it_and_leaves_the_other()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();

        var before = await client.GetFromJsonAsync<JoinTokensView>("api/cluster/join-tokens");
        using var rotate = await client.PostAsJsonAsync("api/cluster/join-tokens/worker/rotate", new { });
        var answered = await rotate.Content.ReadFromJsonAsync<JoinTokensView>();
        var after = await client.GetFromJsonAsync<JoinTokensView>("api/cluster/join-tokens");

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.NotEqual(before!.Worker, after!.Worker);
        Assert.Equal(after.Worker, answered!.Worker);
        Assert.Equal(before.Manager, after.Manager);
        Assert.True(JoinToken.TryParse(after.Worker, out _, out _));
    }

    [SkippableFact]
    public async Task Cluster_update_refuses_a_cert_expiry_out_of_range_naming_the_field()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();

        using var shortLived = await client.PostAsJsonAsync("api/cluster/update", new { nodeCertExpirySeconds = 60 });
        using var tooLong = await client.PostAsJsonAsync("api/cluster/update", new { nodeCertExpirySeconds = 11L * 365 * 86400 });

        Assert.Equal(HttpStatusCode.BadRequest, shortLived.StatusCode);
        Assert.Equal("nodeCertExpirySeconds", (await shortLived.Content.ReadFromJsonAsync<ApiErrorBody>())!.Field);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("nodeCertExpirySeconds", (await tooLong.Content.ReadFromJsonAsync<ApiErrorBody>())!.Field);
    }

    [SkippableFact]
    public async Task The_ca_view_shows_the_root_and_a_rotation_counts_nodes_not_yet_renewed()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var api = await ControlApiHost.StartAsync(cluster);
        using var client = api.Socket();

        var ca = await client.GetFromJsonAsync<CaView>("api/cluster/ca");
        using var rotate = await client.PostAsJsonAsync("api/cluster/ca/rotate", new { });
        var rotating = await rotate.Content.ReadFromJsonAsync<CaView>();

        var root = Assert.Single(ca!.Roots);
        Assert.Equal(64, root.Fingerprint.Length);
        Assert.Null(ca.Rotation);
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.Equal(2, rotating!.Roots.Count);
        Assert.Equal(root.Fingerprint, rotating.Roots[1].Fingerprint);
        Assert.NotNull(rotating.Rotation);
    }

    /// <summary>An administrator's certificate, asked for on the socket as <c>swarmctl cluster ca --issue-client-cert</c> does.</summary>
    private static async Task<X509Certificate2> AdminCertificateAsync(ControlApiHost api)
    {
        using var client = api.Socket();
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var answer = await client.PostAsJsonAsync("api/cluster/ca/client-certificate", new ClientCertificateRequest { Csr = Convert.ToBase64String(csr), Name = "alice" });
            answer.EnsureSuccessStatusCode();
            var issued = (await answer.Content.ReadFromJsonAsync<ClientCertificateView>())!;
            return Pem.WithKey(Pem.ReadCertificates(issued.Certificate)[0].ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }

    /// <summary>A worker's certificate of this cluster, as a node gets it by joining with the worker token.</summary>
    private static async Task<X509Certificate2> WorkerCertificateAsync(ControlApiHost api)
    {
        var ca = api.App.Services.GetRequiredService<ClusterCa>();
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            var issued = await ca.IssueForTokenAsync(csr, (await ca.JoinTokensAsync()).Worker);
            return Pem.WithKey(issued.Certificate.ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }

    /// <summary>A manager certificate of another cluster's CA.</summary>
    private static X509Certificate2 ForeignManagerCertificate()
    {
        using var other = RootCa.Create("other-cluster", DateTimeOffset.UtcNow);
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var cert = other.Issue(csr, new CertificateIdentity("mallory", NodeRoles.Manager, "other-cluster"), DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            return Pem.WithKey(cert.ExportCertificatePem(), Pem.PrivateKey(key));
        }
    }
}
