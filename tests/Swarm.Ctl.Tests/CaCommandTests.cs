using System.Security.Cryptography;
using System.Text.Json;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Running;

namespace Swarm.Ctl.Tests;

public sealed class CaCommandParsingTests
{
    [Fact]
    public void Cluster_ca_flags_are_parsed()
    {
        Assert.Equal(new ClusterCa(false, false, false, OutputFormat.Pretty), Cli.Command<ClusterCa>("cluster", "ca"));
        Assert.Equal(new ClusterCa(true, true, false, OutputFormat.Pretty), Cli.Command<ClusterCa>("cluster", "ca", "--rotate", "--detach"));
        Assert.Equal(new ClusterCa(false, false, true, OutputFormat.Json), Cli.Command<ClusterCa>("cluster", "ca", "-q", "--format", "json"));
    }

    [Fact]
    public void Issue_client_cert_needs_out_and_takes_a_name()
    {
        Assert.Equal(new ClusterIssueClientCert("/tmp/x", "alice"), Cli.Command<ClusterIssueClientCert>("cluster", "ca", "--issue-client-cert", "--out", "/tmp/x", "--name", "alice"));
        Assert.Contains("--out DIR", Cli.Usage("cluster", "ca", "--issue-client-cert").Message);
        Assert.Contains("cannot be used together", Cli.Usage("cluster", "ca", "--issue-client-cert", "--out", "d", "--rotate").Message);
        Assert.Contains("--detach goes with --rotate", Cli.Usage("cluster", "ca", "--detach").Message);
    }

    [Fact]
    public void Join_token_takes_worker_or_manager()
    {
        Assert.Equal(new ClusterJoinToken("worker", false, false), Cli.Command<ClusterJoinToken>("cluster", "join-token", "worker"));
        Assert.Equal(new ClusterJoinToken("manager", true, true), Cli.Command<ClusterJoinToken>("cluster", "join-token", "manager", "--rotate", "-q"));
        Assert.Contains("use worker or manager", Cli.Usage("cluster", "join-token", "admin").Message);
        Assert.Contains("requires an argument", Cli.Usage("cluster", "join-token").Message);
    }

    [Theory]
    [InlineData("2160h", 90)]
    [InlineData("90d", 90)]
    [InlineData("1d", 1)]
    public void Cert_expiry_takes_hours_or_days(string text, int days)
    {
        Assert.Equal(new ClusterUpdate(null, TimeSpan.FromDays(days)), Cli.Command<ClusterUpdate>("cluster", "update", "--cert-expiry", text));
    }

    [Theory]
    [InlineData("30m")]
    [InlineData("3651d")]
    public void Cert_expiry_out_of_range_is_a_usage_error(string text)
    {
        Assert.Contains("--cert-expiry", Cli.Usage("cluster", "update", "--cert-expiry", text).Message);
    }

    [Fact]
    public void Node_rm_takes_nodes_and_force()
    {
        Assert.Equal(new NodeRemove(["a", "b"], false), Cli.Command<NodeRemove>("node", "rm", "a", "b"), new NodeRemoveComparer());
        Assert.True(Cli.Command<NodeRemove>("node", "rm", "--force", "a").Force);
        Assert.True(Cli.Command<NodeRemove>("node", "remove", "-f", "a").Force);
    }

    [Fact]
    public void Tls_flags_are_global_and_the_host_may_be_a_socket()
    {
        var parsed = Assert.IsType<ParsedCommand>(CliParser.Parse(["--host", "unix:///run/swarm/control.sock", "node", "ls", "--tls-dir", "/d"]));
        Assert.Equal("unix:///run/swarm/control.sock", parsed.Host);
        Assert.Equal(new TlsFlags("/d", null, null, null), parsed.Tls);

        var files = Assert.IsType<ParsedCommand>(CliParser.Parse(["--tlscacert=/c", "--tlscert", "/t", "--tlskey", "/k", "node", "ls"]));
        Assert.Equal(new TlsFiles("/c", "/t", "/k"), SwarmCtl.ResolveTls(files.Tls, null));
    }

    [Fact]
    public void Tls_files_come_from_the_flags_else_swarm_cert_path()
    {
        Assert.Equal(TlsFiles.InDirectory("/env"), SwarmCtl.ResolveTls(null, "/env"));
        Assert.Equal(new TlsFiles("/d/ca.pem", "/own.pem", "/d/key.pem"), SwarmCtl.ResolveTls(new TlsFlags("/d", null, "/own.pem", null), "/env"));
        Assert.Null(SwarmCtl.ResolveTls(null, null));
        Assert.Throws<UsageException>(() => SwarmCtl.ResolveTls(new TlsFlags(null, "/c", null, null), null));
    }

    [Fact]
    public void Help_of_each_new_command_explains_it()
    {
        Assert.Contains("--issue-client-cert", Assert.IsType<HelpRequested>(CliParser.Parse(["cluster", "ca", "--help"])).Text);
        Assert.Contains("--rotate", Assert.IsType<HelpRequested>(CliParser.Parse(["cluster", "join-token", "--help"])).Text);
        Assert.Contains("--force", Assert.IsType<HelpRequested>(CliParser.Parse(["node", "rm", "--help"])).Text);
        Assert.Contains("--cert-expiry", Assert.IsType<HelpRequested>(CliParser.Parse(["cluster", "update", "--help"])).Text);
        Assert.Contains("--tls-dir", Assert.IsType<HelpRequested>(CliParser.Parse(["--help"])).Text);
    }

    private sealed class NodeRemoveComparer : IEqualityComparer<NodeRemove>
    {
        public bool Equals(NodeRemove? x, NodeRemove? y) => x!.Force == y!.Force && x.Nodes.SequenceEqual(y.Nodes);

        public int GetHashCode(NodeRemove obj) => 0;
    }
}

/// <summary>The CA commands against an API double on a unix socket.</summary>
public sealed class CaCommandRunTests : IDisposable
{
    private const string Token = "SWMTKN-1-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd-0123456789abcdefghijklmno";
    private readonly string _dir = Directory.CreateTempSubdirectory("swarmctl-ca-").FullName;

    private async Task<(int Exit, string Out, string Err, KestrelApi Api)> RunAsync(Func<string, string, (int, string)> answer, params string[] args)
    {
        var api = await KestrelApi.OnSocketAsync(Path.Combine(_dir, $"{Guid.NewGuid():N}.sock"), answer);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, api.Address, cts.Token);
        return (exit, stdout.ToString(), stderr.ToString(), api);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, ApiClient.Json);

    [Fact]
    public async Task Join_token_prints_the_join_command_and_q_only_the_token()
    {
        var tokens = Json(new JoinTokensView { Worker = Token, Manager = "other" });

        var (exit, stdout, _, api) = await RunAsync((_, _) => (200, tokens), "cluster", "join-token", "worker");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Contains($"Swarm.Worker --join-token {Token} --dispatcher ", stdout);
            Assert.Contains("To add a worker", stdout);
        }

        var quiet = await RunAsync((_, _) => (200, tokens), "cluster", "join-token", "worker", "-q");
        await using (quiet.Api)
        {
            Assert.Equal(Token + "\n", quiet.Out.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public async Task Join_token_rotate_posts_json_to_the_kind()
    {
        var (exit, stdout, _, api) = await RunAsync((_, _) => (200, Json(new JoinTokensView { Worker = "w", Manager = Token })), "cluster", "join-token", "manager", "--rotate", "-q");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Equal(Token + "\n", stdout.ReplaceLineEndings("\n"));
            Assert.Equal(["POST api/cluster/join-tokens/manager/rotate application/json; charset=utf-8 {}"], api.Requests);
        }
    }

    [Fact]
    public async Task Cluster_ca_shows_fingerprints_and_expiry()
    {
        var view = new CaView
        {
            ClusterId = "c1",
            Roots = [new CaRootView { Fingerprint = "aa11", Subject = "CN=swarm-ca", NotAfter = DateTimeOffset.UtcNow.AddYears(20) }],
            NodeCertExpirySeconds = 90 * 86400,
        };

        var (exit, stdout, _, api) = await RunAsync((_, _) => (200, Json(view)), "cluster", "ca");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Contains("aa11", stdout);
            Assert.Contains("90d", stdout);
            Assert.Contains("Rotation:", stdout);
        }

        var quiet = await RunAsync((_, _) => (200, Json(view)), "cluster", "ca", "-q");
        await using (quiet.Api)
        {
            Assert.Equal("aa11\n", quiet.Out.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public async Task Rotate_follows_progress_until_the_old_root_is_retired()
    {
        var polls = 0;
        CaView At(int renewed) => renewed > 2
            ? new() { ClusterId = "c1", Roots = [new CaRootView { Fingerprint = "new" }] }
            : new()
            {
                ClusterId = "c1",
                Roots = [new CaRootView { Fingerprint = "new" }, new CaRootView { Fingerprint = "old" }],
                Rotation = new CaRotationView { StartedAt = DateTimeOffset.UtcNow, NodesRenewed = renewed, NodesTotal = 2 },
            };

        // every node renewed is not the end: the rotation ends when the leader retires the old root (a poll later)
        var (exit, stdout, stderr, api) = await RunAsync((method, _) => (200, Json(method == "POST" ? At(0) : At(++polls))), "cluster", "ca", "--rotate");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Contains("0 of 2 nodes renewed", stderr);
            Assert.Contains("1 of 2 nodes renewed", stderr);
            Assert.Contains("2 of 2 nodes renewed", stderr);
            Assert.Contains("rotation complete", stderr);
            Assert.Equal(4, api.Requests.Count);
            Assert.DoesNotContain("old", stdout);
            Assert.StartsWith("POST api/cluster/ca/rotate", api.Requests[0]);
        }
    }

    [Fact]
    public async Task Rotate_detach_returns_after_starting_it()
    {
        var view = new CaView { Roots = [new CaRootView { Fingerprint = "new" }], Rotation = new CaRotationView { NodesTotal = 3 } };

        var (exit, _, _, api) = await RunAsync((_, _) => (200, Json(view)), "cluster", "ca", "--rotate", "--detach");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Single(api.Requests);
        }
    }

    [Fact]
    public async Task Issue_client_cert_sends_only_a_request_and_writes_the_key_0600()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var ca = new TestCa();
        string? csr = null;
        var (exit, stdout, stderr, api) = await RunAsync((_, _) => (200, Json(new ClientCertificateView { Certificate = "CERT\n", Ca = "ROOT\n" })),
            "cluster", "ca", "--issue-client-cert", "--out", Path.Combine(_dir, "tls"), "--name", "alice");
        await using (api)
        {
            Assert.Equal((0, ""), (exit, stderr));
            var request = Assert.Single(api.Requests);
            csr = JsonDocument.Parse(request[request.IndexOf('{')..]).RootElement.GetProperty("csr").GetString();
            Assert.Contains("\"name\":\"alice\"", request);
            Assert.DoesNotContain("PRIVATE", request);
        }

        var key = Path.Combine(_dir, "tls", "key.pem");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal("CERT\n", await File.ReadAllTextAsync(Path.Combine(_dir, "tls", "cert.pem")));
        Assert.Equal("ROOT\n", await File.ReadAllTextAsync(Path.Combine(_dir, "tls", "ca.pem")));
        Assert.True((File.GetUnixFileMode(Path.Combine(_dir, "tls", "cert.pem")) & UnixFileMode.OtherRead) != 0);

        // the request is for the key written
        using var written = ECDsa.Create();
        written.ImportFromPem(await File.ReadAllTextAsync(key));
        var loaded = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequest(Convert.FromBase64String(csr!), HashAlgorithmName.SHA256);
        Assert.Equal(written.ExportSubjectPublicKeyInfo(), loaded.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.Contains("--tls-dir", stdout);
    }

    [Fact]
    public async Task Node_rm_deletes_each_node_with_force_and_reports_each_failure()
    {
        var (exit, stdout, stderr, api) = await RunAsync((_, path) => path.StartsWith("api/nodes/bad", StringComparison.Ordinal)
            ? (409, """{"code":"conflict","field":"","reason":"node bad is ready: drain it or use --force"}""")
            : (200, """{"id":"01234567-89ab-cdef-0123-456789abcdef","version":3}"""), "node", "rm", "--force", "good", "bad");
        await using (api)
        {
            Assert.Equal(1, exit);
            Assert.Equal("good\n", stdout.ReplaceLineEndings("\n"));
            Assert.Contains("bad: node bad is ready", stderr);
            Assert.Equal(["DELETE api/nodes/good?force=true", "DELETE api/nodes/bad?force=true"], api.Requests);
        }
    }

    [Fact]
    public async Task Cluster_update_sends_the_cert_expiry_in_seconds()
    {
        var (exit, stdout, _, api) = await RunAsync((_, _) => (200, """{"id":"01234567-89ab-cdef-0123-456789abcdef","version":1}"""), "cluster", "update", "--cert-expiry", "90d");
        await using (api)
        {
            Assert.Equal(0, exit);
            Assert.Contains("\"nodeCertExpirySeconds\":7776000", Assert.Single(api.Requests));
            Assert.DoesNotContain("taskHistoryLimit", api.Requests[0]);
            Assert.Contains("90d", stdout);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
