using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Swarm.Dispatcher.Api;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Security;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// The trust model on a running cluster: a node is who its certificate says, a token admits only while it is
/// current and only to the root it pins, a removed node is refused, the control API answers only its socket and
/// administrators' certificates, and a root rotation replaces every certificate without touching a task.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecurityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task A_node_is_who_its_certificate_says_and_nobody_else_disturbs_its_session()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            var dispatcher = cluster.DispatcherGrpcUrl(cluster.Dispatchers[0]);
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 2, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var before = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 2, Timeout, "2 running tasks");
            var pids = cluster.LiveTaskProcesses();
            var nodes = await cluster.GetAsync("/api/nodes");
            var worker1 = nodes.EnumerateArray().Single(n => n.GetProperty("hostname").GetString() == "worker-1").GetProperty("id").GetString()!;
            var token = await cluster.JoinTokenAsync();
            var roots = await TestNode.PinnedRootsAsync(dispatcher, token);

            // no client certificate
            using (var anonymous = TestNode.Open(dispatcher, null, roots))
            {
                await AssertRefusedAsync("no certificate", () => new Dispatcher.Api.Dispatcher.DispatcherClient(anonymous)
                    .RegisterAsync(new RegisterRequest { NodeId = worker1, Description = Description("anonymous") }).ResponseAsync);
            }

            // a self-signed certificate that claims to be worker-1, and one from another cluster's CA
            using (var forged = SelfSigned(new CertificateIdentity(worker1, NodeRoles.Worker, ClusterIdOf(roots[0]))))
            using (var channel = TestNode.Open(dispatcher, forged, roots))
            {
                await AssertRefusedAsync("a self-signed certificate", () => new Dispatcher.Api.Dispatcher.DispatcherClient(channel)
                    .RegisterAsync(new RegisterRequest { NodeId = worker1, Description = Description("forged") }).ResponseAsync);
            }

            using (var otherCa = RootCa.Create("another-cluster", DateTimeOffset.UtcNow))
            using (var foreign = IssuedBy(otherCa, new CertificateIdentity(worker1, NodeRoles.Worker, "another-cluster")))
            using (var channel = TestNode.Open(dispatcher, foreign, roots))
            {
                await AssertRefusedAsync("another cluster's certificate", () => new Dispatcher.Api.Dispatcher.DispatcherClient(channel)
                    .RegisterAsync(new RegisterRequest { NodeId = worker1, Description = Description("foreign") }).ResponseAsync);
            }

            // a node that joined properly cannot claim another node's id: it registers as itself
            using var intruder = await TestNode.JoinAsync(dispatcher, token);
            var registered = await intruder.Dispatcher.RegisterAsync(new RegisterRequest { NodeId = worker1, Description = Description("intruder") });
            Assert.Equal(intruder.NodeId, registered.NodeId);
            Assert.NotEqual(worker1, registered.NodeId);

            // a token whose digest pins another root is refused, and so is a rotated one
            Assert.True(JoinToken.TryParse(token, out var parsed, out _));
            using (var otherCa = RootCa.Create("another-cluster", DateTimeOffset.UtcNow))
            {
                var wrongDigest = parsed.WithRoot(otherCa.Certificate).ToString();
                await AssertIssueRefusedAsync(dispatcher, roots, wrongDigest, "a token pinning another root");
            }

            var (rotateStatus, rotated) = await cluster.PostAsync("/api/cluster/join-tokens/worker/rotate", new { });
            Assert.Equal(HttpStatusCode.OK, rotateStatus);
            var newToken = rotated.GetProperty("worker").GetString()!;
            Assert.NotEqual(token, newToken);
            await AssertIssueRefusedAsync(dispatcher, roots, token, "the rotated token");
            using (var late = await TestNode.JoinAsync(dispatcher, newToken))
            {
                Assert.NotEqual(intruder.NodeId, late.NodeId);
            }

            // removing the intruder revokes it: its calls are refused from then on, and it is gone from node ls
            var (exit, stdout, stderr) = await cluster.SwarmctlAsync("node", "rm", "--force", "intruder");
            Assert.True(exit == 0, $"node rm: {exit} {stdout} {stderr}");
            await Eventually.WaitAsync(async () =>
            {
                try
                {
                    await intruder.Dispatcher.RegisterAsync(new RegisterRequest { Description = Description("intruder") });
                    return StatusCode.OK;
                }
                catch (RpcException ex)
                {
                    return ex.StatusCode;
                }
            }, s => s == StatusCode.PermissionDenied, TimeSpan.FromSeconds(30), "the removed node refused");
            Assert.DoesNotContain("intruder", (await cluster.NodeStatusAsync()).Keys);

            // through all of it worker-1 kept its session and its task
            var nodesAfter = await cluster.NodeStatusAsync();
            Assert.Equal("READY", nodesAfter["worker-1"]);
            var after = await cluster.TasksAsync("web");
            foreach (var task in before.Where(t => t.Running))
            {
                var now = after.Single(t => t.Id == task.Id);
                Assert.True(now.Running && now.Node == task.Node, $"task {task.Id} is {now.State} on {now.Node}");
                Assert.Equal(pids[task.Id], cluster.LiveTaskProcesses()[task.Id]);
            }

            Assert.Equal(0, await cluster.CountEventsAsync("data::text like '%\"forged\"%' or data::text like '%\"foreign\"%' or data::text like '%\"anonymous\"%'"));
            Assert.Equal(0, await cluster.CountEventsAsync($"data::text like '%{parsed.Secret}%'"));
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    [SkippableFact]
    public async Task The_control_api_answers_its_socket_and_administrators_certificates_only()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            // plain http (the health port) serves no /api
            using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            {
                using var health = await plain.GetAsync($"{cluster.ApiHealthUrl}/healthz");
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                using var api = await plain.GetAsync($"{cluster.ApiHealthUrl}/api/nodes");
                Assert.False(api.IsSuccessStatusCode, $"/api over plain http answered {(int)api.StatusCode}");
            }

            // a POST without a JSON content type (a web page's form) is refused and creates nothing
            using (var form = new StringContent("""{"name":"csrf","replicas":1,"command":["sleep","60"]}""", Encoding.UTF8, "text/plain"))
            using (var formAnswer = await cluster.Api.PostAsync("/api/services", form))
            {
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, formAnswer.StatusCode);
            }

            using (var bare = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"name":"csrf","replicas":1,"command":["sleep","60"]}""")))
            using (var bareAnswer = await cluster.Api.PostAsync("/api/services", bare))
            {
                Assert.Equal(HttpStatusCode.UnsupportedMediaType, bareAnswer.StatusCode);
            }

            Assert.Equal(0, (await cluster.GetAsync("/api/services")).GetArrayLength());

            // over TCP: TLS, and only with an administrator's certificate
            var dir = Path.Combine(cluster.WorkDir, "admin");
            var (exit, stdout, stderr) = await cluster.SwarmctlAsync("cluster", "ca", "--issue-client-cert", "--out", dir);
            Assert.True(exit == 0, $"issue client cert: {exit} {stdout} {stderr}");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "key.pem")));
            var roots = Pem.ReadCertificates(await File.ReadAllTextAsync(Path.Combine(dir, "ca.pem")));
            using var admin = Pem.WithKey(await File.ReadAllTextAsync(Path.Combine(dir, "cert.pem")), await File.ReadAllTextAsync(Path.Combine(dir, "key.pem")));

            using (var noCert = TlsClient(cluster.ApiTlsUrl, null, roots))
            {
                await AssertHttpRefusedAsync(noCert, "no client certificate");
            }

            using (var worker = await TestNode.JoinAsync(cluster.DispatcherGrpcUrl(cluster.Dispatchers[0]), await cluster.JoinTokenAsync()))
            using (var asWorker = TlsClient(cluster.ApiTlsUrl, worker.Certificate, roots))
            {
                await AssertHttpRefusedAsync(asWorker, "a worker's certificate");
            }

            using (var asAdmin = TlsClient(cluster.ApiTlsUrl, admin, roots))
            {
                using var answer = await asAdmin.GetAsync("api/nodes");
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }

            (exit, stdout, stderr) = await cluster.SwarmctlAsync("--host", cluster.ApiTlsUrl, "--tls-dir", dir, "node", "ls");
            Assert.True(exit == 0, $"swarmctl over TLS: {exit} {stdout} {stderr}");
            Assert.Contains("worker-1", stdout);
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    [SkippableFact]
    public async Task A_root_rotation_renews_every_node_without_touching_a_task()
    {
        await using var cluster = await RunningCluster.StartAsync();
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "web", replicas = 4, command = new[] { "sleep", "3600" } });
            Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"create: {status} {body}");
            var before = await Eventually.WaitAsync(() => cluster.TasksAsync("web"), t => t.Count(x => x.Running) == 4, Timeout, "4 running tasks");
            var pids = cluster.LiveTaskProcesses();
            var oldToken = await cluster.JoinTokenAsync();
            var oldRoot = (await cluster.GetAsync("/api/cluster/ca")).GetProperty("roots")[0].GetProperty("fingerprint").GetString();

            var (exit, stdout, stderr) = await cluster.SwarmctlAsync("cluster", "ca", "--rotate");
            output.WriteLine(stdout);
            Assert.True(exit == 0, $"ca --rotate: {exit} {stdout} {stderr}");

            var ca = await cluster.GetAsync("/api/cluster/ca");
            var roots = ca.GetProperty("roots");
            Assert.Equal(1, roots.GetArrayLength());
            var newRoot = roots[0].GetProperty("fingerprint").GetString();
            Assert.NotEqual(oldRoot, newRoot);
            Assert.Equal(JsonValueKind.Null, ca.GetProperty("rotation").ValueKind);

            // every node holds a certificate of the new root, and still runs the same processes
            foreach (var node in (await cluster.GetAsync("/api/nodes")).EnumerateArray())
            {
                Assert.Equal(newRoot, node.GetProperty("certificate").GetProperty("issuerFingerprint").GetString());
                Assert.Equal("READY", node.GetProperty("status").GetString()!.ToUpperInvariant());
            }

            var after = await cluster.TasksAsync("web");
            Assert.Equal(4, after.Count(t => t.Running));
            foreach (var task in before.Where(t => t.Running))
            {
                Assert.Contains(after, t => t.Id == task.Id && t.Running);
                Assert.Equal(pids[task.Id], cluster.LiveTaskProcesses()[task.Id]);
            }

            // the tokens pin the new root now; one pinning the old root admits nobody
            var newToken = await cluster.JoinTokenAsync();
            Assert.NotEqual(oldToken, newToken);
            var dispatcher = cluster.DispatcherGrpcUrl(cluster.Dispatchers[0]);
            using var joined = await TestNode.JoinAsync(dispatcher, newToken);
            await AssertIssueRefusedAsync(dispatcher, joined.Roots, oldToken, "a token pinning the old root");

            // a worker that restarts keeps its renewed identity
            cluster.Kill("worker-2");
            cluster.Restart("worker-2");
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.GetValueOrDefault("worker-2") == "READY", Timeout, "worker-2 ready again");
            Assert.Equal(2, (await cluster.NodeStatusAsync()).Count(n => n.Key.StartsWith("worker-", StringComparison.Ordinal)));
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }

    private static NodeDescription Description(string hostname) => new() { Hostname = hostname, Role = "worker", Os = "linux" };

    private static string ClusterIdOf(X509Certificate2 root) =>
        root.SubjectName.EnumerateRelativeDistinguishedNames().First(r => r.GetSingleElementType().Value == "2.5.4.10").GetSingleElementValue()!;

    private static X509Certificate2 SelfSigned(CertificateIdentity identity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(identity.ToDistinguishedName(), key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 IssuedBy(RootCa ca, CertificateIdentity identity)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        {
            using var leaf = ca.Issue(csr, identity, DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
            using var withKey = leaf.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }

    private async Task AssertRefusedAsync(string what, Func<Task> call)
    {
        var ex = await Assert.ThrowsAnyAsync<RpcException>(call);
        output.WriteLine($"{what}: {ex.StatusCode} {ex.Status.Detail}");
        Assert.NotEqual(StatusCode.OK, ex.StatusCode);
    }

    private async Task AssertIssueRefusedAsync(string dispatcher, IReadOnlyList<X509Certificate2> roots, string token, string what)
    {
        var (key, csr) = RootCa.NewKeyAndRequest();
        using (key)
        using (var channel = TestNode.Open(dispatcher, null, roots))
        {
            var ex = await Assert.ThrowsAnyAsync<RpcException>(() => new NodeCA.NodeCAClient(channel)
                .IssueNodeCertificateAsync(new IssueNodeCertificateRequest { Csr = ByteString.CopyFrom(csr), Token = token }).ResponseAsync);
            output.WriteLine($"{what}: {ex.StatusCode} {ex.Status.Detail}");
            Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        }
    }

    private async Task AssertHttpRefusedAsync(HttpClient client, string what)
    {
        try
        {
            using var answer = await client.GetAsync("api/nodes");
            output.WriteLine($"{what}: {(int)answer.StatusCode}");
            Assert.True(answer.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized, $"{what}: answered {(int)answer.StatusCode}");
        }
        catch (HttpRequestException ex)
        {
            // refused in the TLS handshake
            output.WriteLine($"{what}: {ex.GetBaseException().Message}");
        }
    }

    private static HttpClient TlsClient(string url, X509Certificate2? certificate, IReadOnlyList<X509Certificate2> roots)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, chain, _) => cert is X509Certificate2 c
                && CertificateChains.VerifyPeer(c, roots, DateTimeOffset.UtcNow, NodeRoles.Manager, null, chain?.ChainPolicy.ExtraStore.Cast<X509Certificate2>().ToList()) is null,
        };
        if (certificate is not null)
        {
            ssl.ClientCertificates = [certificate];
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }

        return new HttpClient(new SocketsHttpHandler { SslOptions = ssl }) { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(20) };
    }
}
