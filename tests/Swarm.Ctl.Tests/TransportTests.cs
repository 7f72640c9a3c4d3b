using Swarm.Ctl.Running;
using Swarm.Security;

namespace Swarm.Ctl.Tests;

/// <summary>swarmctl reaches the API on a unix socket and over mutual TLS, and says plainly why it could not.</summary>
public sealed class TransportTests : IDisposable
{
    private const string NodesJson = """[{"id":"01234567-89ab-cdef-0123-456789abcdef","hostname":"worker-1","status":"Ready","availability":"Active","role":"worker"}]""";

    private readonly string _dir = Directory.CreateTempSubdirectory("swarmctl-test-").FullName;

    private static async Task<(int Exit, string Out, string Err)> RunAsync(string? swarmApi, string? certPath, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var exit = await SwarmCtl.MainAsync(args, stdout, stderr, swarmApi, cts.Token, certPath);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Node_ls_over_a_unix_socket_prints_the_api_answer()
    {
        var socket = Path.Combine(_dir, "control.sock");
        await using var api = await KestrelApi.OnSocketAsync(socket, (_, _) => (200, NodesJson));

        var (exit, stdout, stderr) = await RunAsync(null, null, "--host", $"unix://{socket}", "node", "ls");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Contains("worker-1", stdout);
        Assert.Equal(["GET api/nodes"], api.Requests);
    }

    [Fact]
    public async Task Swarm_api_may_name_the_socket()
    {
        var socket = Path.Combine(_dir, "control.sock");
        await using var api = await KestrelApi.OnSocketAsync(socket, (_, _) => (200, NodesJson));

        var (exit, stdout, _) = await RunAsync($"unix://{socket}", null, "node", "ls");

        Assert.Equal(0, exit);
        Assert.Contains("worker-1", stdout);
    }

    [Fact]
    public async Task A_missing_socket_says_where_it_looked_and_what_to_do()
    {
        var socket = Path.Combine(_dir, "absent.sock");

        var (exit, _, stderr) = await RunAsync($"unix://{socket}", null, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Equal($"swarmctl: no control API socket at {socket}: is the cluster up? (./swarm up) or set SWARM_API / --host\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_named()
    {
        var socket = Path.Combine(_dir, "stale.sock");
        await File.WriteAllTextAsync(socket, "");

        var (exit, _, stderr) = await RunAsync($"unix://{socket}", null, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains(socket, stderr);
    }

    [Fact]
    public async Task Over_tls_the_client_presents_its_certificate_and_accepts_a_manager_of_the_given_ca()
    {
        using var ca = new TestCa();
        using var server = ca.Issue("controlapi", NodeRoles.Manager);
        ca.WriteClientFiles(_dir, NodeRoles.Manager);
        await using var api = await KestrelApi.OverTlsAsync(server, (_, _) => (200, NodesJson));

        var (exit, stdout, stderr) = await RunAsync(api.Address, null, "--tls-dir", _dir, "node", "ls");

        Assert.Equal((0, ""), (exit, stderr));
        Assert.Contains("worker-1", stdout);
        Assert.Contains("CN=alice", Assert.Single(api.ClientSubjects));
    }

    [Fact]
    public async Task Swarm_cert_path_gives_the_tls_files()
    {
        using var ca = new TestCa();
        using var server = ca.Issue("controlapi", NodeRoles.Manager);
        ca.WriteClientFiles(_dir, NodeRoles.Manager);
        await using var api = await KestrelApi.OverTlsAsync(server, (_, _) => (200, NodesJson));

        var (exit, _, stderr) = await RunAsync(api.Address, _dir, "node", "ls");

        Assert.Equal((0, ""), (exit, stderr));
    }

    [Fact]
    public async Task A_server_of_another_ca_is_refused_and_nothing_is_sent()
    {
        using var ours = new TestCa();
        using var theirs = new TestCa();
        using var server = theirs.Issue("controlapi", NodeRoles.Manager);
        ours.WriteClientFiles(_dir, NodeRoles.Manager);
        await using var api = await KestrelApi.OverTlsAsync(server, (_, _) => (200, NodesJson));

        var (exit, _, stderr) = await RunAsync(api.Address, null, "--tls-dir", _dir, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains("not a manager of the cluster whose CA you gave", stderr);
        Assert.Contains("not issued by this cluster's CA", stderr);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task A_server_with_a_worker_certificate_of_the_right_ca_is_refused()
    {
        using var ca = new TestCa();
        using var server = ca.Issue("worker-1", NodeRoles.Worker);
        ca.WriteClientFiles(_dir, NodeRoles.Manager);
        await using var api = await KestrelApi.OverTlsAsync(server, (_, _) => (200, NodesJson));

        var (exit, _, stderr) = await RunAsync(api.Address, null, "--tls-dir", _dir, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains("swarm-manager is needed", stderr);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task Https_without_client_certificate_files_says_how_to_get_them()
    {
        var (exit, _, stderr) = await RunAsync("https://127.0.0.1:1", null, "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains("--tls-dir", stderr);
        Assert.Contains("--issue-client-cert", stderr);
    }

    [Fact]
    public async Task Missing_tls_files_are_named()
    {
        var (exit, _, stderr) = await RunAsync("https://127.0.0.1:1", null, "--tls-dir", Path.Combine(_dir, "nope"), "node", "ls");

        Assert.Equal(1, exit);
        Assert.Contains(Path.Combine(_dir, "nope", "ca.pem"), stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
