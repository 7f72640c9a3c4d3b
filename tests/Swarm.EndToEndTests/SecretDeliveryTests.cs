using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Npgsql;
using Swarm.Dispatcher.Api;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// A secret from <c>swarmctl secret create</c> to the file a task reads, on a real cluster: only the node running a
/// task that references it receives it, a task without the reference on the same node does not see it, and no copy of
/// the value is anywhere else — not in a message on the broker, not in the database, not in a process's log.
/// </summary>
public sealed class SecretDeliveryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task A_secret_reaches_only_the_task_that_references_it_and_is_nowhere_else()
    {
        var clock = Stopwatch.StartNew();
        var isolated = await IsolatedCluster.CreateAsync();
        var capture = await BusCapture.StartAsync(isolated.VHost);
        await using var cluster = await RunningCluster.StartAsync(backend: ClusterBackend.Of(isolated));
        var first = "first-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var second = "second-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");

            // a third node with a session of its own, which no task referencing the secret will ever run on
            using var bystander = await TestNode.JoinAsync(cluster.DispatcherGrpcUrl(cluster.Dispatchers[0]), await cluster.JoinTokenAsync());
            var registered = await bystander.Dispatcher.RegisterAsync(new RegisterRequest { Description = new NodeDescription { Hostname = "bystander", Role = "worker", Os = "linux" } });
            using var watching = new CancellationTokenSource();
            var seenByBystander = new List<SessionMessage>();
            var bystanderStream = WatchAsync(bystander, registered.SessionId, seenByBystander, watching.Token);
            var bystanderBeats = HeartbeatAsync(bystander, registered, watching.Token);

            await CreateSecretAsync(cluster, "db", first);
            await CreateSecretAsync(cluster, "db2", second);

            // the reader prints a digest of the file (the value itself must not reach a log); the other task looks for it
            Ok(await cluster.SwarmctlAsync("service", "create", "--name", "reader", "--secret", "db", "--constraint", "node.hostname==worker-1",
                "--", "sh", "-c", "echo \"digest=$(sha256sum \"$SWARM_SECRETS_DIR/db\" | cut -d' ' -f1)\"; sleep 3600"));
            Ok(await cluster.SwarmctlAsync("service", "create", "--name", "other", "--constraint", "node.hostname==worker-1",
                "--", "sh", "-c", "if [ -n \"$SWARM_SECRETS_DIR\" ]; then echo other=leak; else echo other=none; fi; sleep 3600"));
            await Eventually.WaitAsync(() => cluster.TasksAsync("reader"), t => t.Count(x => x.Running) == 1, Timeout, "the reader running");
            await Eventually.WaitAsync(() => cluster.TasksAsync("other"), t => t.Count(x => x.Running) == 1, Timeout, "the other task running");
            await WaitForLineAsync(cluster, "reader", $"digest={Digest(first)}");
            await WaitForLineAsync(cluster, "other", "other=none");
            output.WriteLine($"the reader read the secret after {clock.Elapsed.TotalSeconds:0.0} s");

            // in use: refused, naming the service
            var refused = await cluster.SwarmctlAsync("secret", "rm", "db");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("reader", refused.Stderr);

            // rotation: the service moves to the new secret, its task is replaced and reads the new value
            Ok(await cluster.SwarmctlAsync("service", "update", "reader", "--secret-rm", "db", "--secret-add", "source=db2,target=db"));
            await WaitForLineAsync(cluster, "reader", $"digest={Digest(second)}");
            var tasks = await cluster.TasksAsync("reader");
            Assert.True(tasks.Count(t => t.Running) == 1 && tasks.Count >= 2, $"the reader's task was replaced: {string.Join(", ", tasks)}");
            Ok(await cluster.SwarmctlAsync("secret", "rm", "db"));
            output.WriteLine($"rotated and removed after {clock.Elapsed.TotalSeconds:0.0} s");

            var statuses = await cluster.NodeStatusAsync();
            Assert.True(statuses["bystander"] == "READY", "the bystander's session stayed open all along");
            await watching.CancelAsync();
            await bystanderStream;
            await bystanderBeats;
            Assert.True(seenByBystander.Count > 0, "the bystander's session stream sent its COMPLETE set");
            Assert.All(seenByBystander, m => Assert.True(m.Assignments is null || m.Assignments.Secrets.Count == 0, $"the bystander received a value: {m.Assignments?.Secrets.Count}"));
            AssertAbsent("the bystander's session stream", Concat(seenByBystander.Select(m => m.ToByteArray())), first, second);

            // no copy anywhere: the broker's messages (the firehose of the cluster's vhost), the database, the processes' logs
            var messages = await capture.DrainAsync();
            output.WriteLine($"{messages.Count} messages crossed the broker");
            Assert.True(messages.Count > 10, "the capture saw the cluster's messages");
            AssertAbsent("the messages on the broker", Concat(messages), first, second);

            var dump = await PgDumpAsync(cluster.PostgresConnection, cluster.Schema);
            output.WriteLine($"pg_dump of schema {cluster.Schema}: {dump.Length} bytes");
            Assert.Contains("secret_created", Encoding.UTF8.GetString(dump));
            AssertAbsent("pg_dump", dump, first, second);

            AssertAbsent("the processes' output", Encoding.UTF8.GetBytes(cluster.Logs), first, second);
            foreach (var file in Directory.EnumerateFiles(cluster.WorkDir, "*", SearchOption.AllDirectories))
            {
                byte[] content;
                try
                {
                    content = await File.ReadAllBytesAsync(file);
                }
                catch (IOException)
                {
                    continue; // a socket
                }

                AssertAbsent(file, content, first, second);
            }
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
        finally
        {
            await capture.DisposeAsync();
        }
    }

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static void Ok((int ExitCode, string Stdout, string Stderr) result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stdout} {result.Stderr}");

    private static async Task CreateSecretAsync(RunningCluster cluster, string name, string value)
    {
        // from a file, as a user would; the file is gone before anything else runs
        var file = Path.Combine(cluster.WorkDir, $"{name}.value");
        await File.WriteAllTextAsync(file, value);
        try
        {
            Ok(await cluster.SwarmctlAsync("secret", "create", name, file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Task WaitForLineAsync(RunningCluster cluster, string service, string line) =>
        Eventually.WaitAsync(async () => await cluster.Api.GetStringAsync($"/api/services/{service}/logs?tail=20"), text => text.Contains(line, StringComparison.Ordinal), Timeout, $"'{line}' in the logs of {service}");

    private static async Task WatchAsync(TestNode node, string sessionId, List<SessionMessage> seen, CancellationToken cancellationToken)
    {
        try
        {
            using var call = node.Dispatcher.Session(new SessionRequest { SessionId = sessionId }, cancellationToken: cancellationToken);
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                lock (seen)
                {
                    seen.Add(message);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    private static async Task HeartbeatAsync(TestNode node, RegisterResponse registered, CancellationToken cancellationToken)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(200, registered.HeartbeatPeriodMs / 2));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await node.Dispatcher.HeartbeatAsync(new HeartbeatRequest { SessionId = registered.SessionId }, cancellationToken: cancellationToken);
                await Task.Delay(period, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    private static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Neither value appears in <paramref name="data"/>, as text or in base64 (how JSON writes bytes).</summary>
    private static void AssertAbsent(string where, byte[] data, params string[] values)
    {
        foreach (var value in values)
        {
            var raw = Encoding.UTF8.GetBytes(value);
            Assert.True(data.AsSpan().IndexOf(raw) < 0, $"{where} holds a secret value");
            foreach (var encoded in Base64Forms(raw))
            {
                Assert.True(data.AsSpan().IndexOf(Encoding.ASCII.GetBytes(encoded)) < 0, $"{where} holds a secret value in base64");
            }
        }
    }

    /// <summary>The base64 text of the value at each of the three alignments it can have inside longer data, without the edges.</summary>
    private static IEnumerable<string> Base64Forms(byte[] raw)
    {
        for (var shift = 0; shift < 3; shift++)
        {
            var padded = new byte[shift + raw.Length];
            raw.CopyTo(padded, shift);
            var text = Convert.ToBase64String(padded);
            yield return text.Substring(4, text.Length - 8);
        }
    }

    private static async Task<byte[]> PgDumpAsync(string connection, string schema)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        var psi = new ProcessStartInfo("pg_dump") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username!, "-d", builder.Database!, "--schema", schema, "--no-owner" })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["PGPASSWORD"] = builder.Password;
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Skip.If(true, "pg_dump is not installed (postgresql-client)");
            throw;
        }

        using (process)
        {
            using var buffer = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(buffer);
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            await copy;
            Assert.True(process.ExitCode == 0, $"pg_dump exited {process.ExitCode}: {await errors}");
            return buffer.ToArray();
        }
    }

    /// <summary>
    /// Every message published in a vhost, through RabbitMQ's firehose: tracing on for the vhost, a queue bound to
    /// <c>amq.rabbitmq.trace</c>.
    /// </summary>
    private sealed class BusCapture : IAsyncDisposable
    {
        private const string Queue = "test.capture";
        private readonly string _vhost;

        private BusCapture(string vhost) => _vhost = vhost;

        private string V => Uri.EscapeDataString(_vhost);

        public static async Task<BusCapture> StartAsync(string vhost)
        {
            var capture = new BusCapture(vhost);
            using var api = TestInfrastructure.ManagementClient();
            (await api.PutAsJsonAsync($"api/queues/{capture.V}/{Queue}", new { durable = false, auto_delete = false })).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"api/bindings/{capture.V}/e/amq.rabbitmq.trace/q/{Queue}", new { routing_key = "publish.#" })).EnsureSuccessStatusCode();
            (await api.PutAsJsonAsync($"api/vhosts/{capture.V}", new { tracing = true })).EnsureSuccessStatusCode();
            return capture;
        }

        /// <summary>The bodies and headers of the messages published so far (each as the management API returns it).</summary>
        public async Task<List<byte[]>> DrainAsync()
        {
            using var api = TestInfrastructure.ManagementClient();
            var all = new List<byte[]>();
            while (true)
            {
                var response = await api.PostAsJsonAsync($"api/queues/{V}/{Queue}/get", new { count = 2000, ackmode = "ack_requeue_false", encoding = "base64", truncate = 4_000_000 });
                response.EnsureSuccessStatusCode();
                var text = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(text);
                var batch = json.RootElement.EnumerateArray().ToList();
                foreach (var message in batch)
                {
                    all.Add(Convert.FromBase64String(message.GetProperty("payload").GetString()!));
                    all.Add(Encoding.UTF8.GetBytes(message.GetProperty("properties").GetRawText()));
                }

                if (batch.Count == 0)
                {
                    return all;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                using var api = TestInfrastructure.ManagementClient();
                await api.PutAsJsonAsync($"api/vhosts/{V}", new { tracing = false });
            }
            catch (Exception)
            {
                // the vhost goes with the test's cluster
            }
        }
    }
}
