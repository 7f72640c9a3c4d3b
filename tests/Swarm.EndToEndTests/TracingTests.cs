using System.Net;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// Every process of the cluster exports its spans over OTLP to a receiver in the test; one created
/// task's lifecycle must read as one trace that starts at the API request.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The task's steps in causal order, each with the process that takes it.</summary>
    private static readonly (string Service, string Span)[] Lifecycle =
    [
        ("orchestrator", "task created"),
        ("allocator", "task allocated"),
        ("scheduler", "task scheduled"),
        ("dispatcher", "task dispatched"),
        ("worker", "task accepted"),
        ("worker", "task preparing"),
        ("worker", "task ready"),
        ("worker", "task starting"),
        ("worker", "task running"),
        ("dispatcher", "task running recorded"),
    ];

    [SkippableFact]
    public async Task A_created_task_is_one_trace_across_every_service_from_the_request_to_running()
    {
        await using var receiver = new OtlpReceiver();
        await using var cluster = await RunningCluster.StartAsync(environment: receiver.Environment);
        try
        {
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "traced", replicas = 1, command = new[] { "sleep", "3600" } });
            Assert.True(status == HttpStatusCode.Created || status == HttpStatusCode.OK, $"create: {status} {body}");
            var task = (await Eventually.WaitAsync(() => cluster.TasksAsync("traced"), t => t.Count(x => x.Running) == 1, Timeout, "1 running task")).Single(x => x.Running);

            // every step has been exported (each process flushes its spans every 200 ms)
            var spans = await Eventually.WaitAsync(
                () => Task.FromResult(receiver.Spans),
                all => Lifecycle.All(step => all.Any(s => s.Service == step.Service && s.Name == step.Span && s["swarm.task.id"] == task.Id)),
                Timeout,
                "a span for every step of the task");
            var ofTask = spans.Where(s => s["swarm.task.id"] == task.Id).ToList();
            var steps = Lifecycle.Select(step => ofTask.First(s => s.Service == step.Service && s.Name == step.Span)).ToList();

            // a reconciliation retried after a conflict records "task created" again: the task's is the parent of its steps
            steps[0] = ofTask.First(s => s.Name == "task created" && ofTask.Any(x => x.ParentSpanId == s.SpanId));
            foreach (var step in steps)
            {
                output.WriteLine(step.ToString());
            }

            // one trace: every span of the task, and the request that created the service, share it
            var traceId = steps[0].TraceId;
            Assert.All(spans.Where(s => s["swarm.task.id"] == task.Id), s => Assert.Equal(traceId, s.TraceId));
            var trace = spans.Where(s => s.TraceId == traceId).ToList();
            output.WriteLine($"trace {traceId}: {trace.Count} spans from {string.Join(", ", trace.Select(s => s.Service).Distinct().Order())}");
            foreach (var span in trace.OrderBy(s => s.Start))
            {
                output.WriteLine($"  {span.Start:HH:mm:ss.fff} +{(span.End - span.Start).TotalMilliseconds,7:0.0} ms  {span.Service,-12} {span.Scope,-40} {span.Name}");
            }

            var root = Assert.Single(trace, s => s.ParentSpanId.Trim('0').Length == 0);
            Assert.Equal("controlapi", root.Service);
            Assert.Contains("POST", root.Name, StringComparison.Ordinal);
            foreach (var service in new[] { "controlapi", "orchestrator", "allocator", "scheduler", "dispatcher", "worker" })
            {
                Assert.Contains(trace, s => s.Service == service);
            }

            // the hop through the log: the relay re-published the service's creation under the same trace
            Assert.Contains(trace, s => s.Scope == "Swarm.EventRelay" && s.Name == "relay service_created");

            // every span's parent is in the trace (nothing dangles), and the steps hang under "task created"
            var ids = trace.Select(s => s.SpanId).ToHashSet();
            Assert.All(trace.Where(s => s != root), s => Assert.Contains(s.ParentSpanId, ids));
            Assert.All(steps.Skip(1), s => Assert.Equal(steps[0].SpanId, s.ParentSpanId));

            // causal order: each step ends no earlier than the one before it
            for (var i = 1; i < steps.Count; i++)
            {
                Assert.True(steps[i].End >= steps[i - 1].End, $"{steps[i].Name} ended at {steps[i].End:HH:mm:ss.ffffff}, before {steps[i - 1].Name} at {steps[i - 1].End:HH:mm:ss.ffffff}");
            }

            // the attributes every step carries
            Assert.All(steps, s =>
            {
                Assert.Equal("traced", s["swarm.service.name"]);
                Assert.Equal(task.Id, s["swarm.task.id"]);
                Assert.Equal("1", s["swarm.task.slot"]);
            });
            var node = steps.Single(s => s.Name == "task scheduled")["swarm.node.id"];
            Assert.False(string.IsNullOrEmpty(node));
            Assert.All(steps.Skip(2), s => Assert.Equal(node, s["swarm.node.id"]));
            Assert.Equal("2", steps.Single(s => s.Name == "task scheduled")["swarm.scheduler.nodes_considered"]);
            Assert.Equal("running", steps[^1]["swarm.task.state"]);

            // the same lifecycle read from the log, for a user without a trace backend
            var waterfall = await cluster.SwarmctlAsync("task", "trace", task.Id);
            output.WriteLine(waterfall.Stdout);
            Assert.True(waterfall.ExitCode == 0, waterfall.Stderr);
            var lines = waterfall.Stdout.Split('\n');
            var order = new[] { "created", "allocated", "assigned", "accepted", "preparing", "ready", "starting", "running" }
                .Select(step => Array.FindIndex(lines, l => l.TrimStart().StartsWith(step + " ", StringComparison.Ordinal)))
                .ToList();
            Assert.DoesNotContain(-1, order);
            Assert.Equal(order.Order(), order);
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            throw;
        }
    }
}
