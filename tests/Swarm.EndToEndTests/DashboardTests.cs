using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Swarm.EndToEndTests.Infrastructure;
using Swarm.Testing;
using Xunit.Abstractions;

namespace Swarm.EndToEndTests;

/// <summary>
/// The Aspire Dashboard as a person uses it with <c>./swarm up --dashboard</c>: every process sends it its telemetry
/// under its own name, a browser (headless Chromium) logs in with the token URL, and the traces page finds the trace
/// of a task the cluster created by its <c>swarm.task.id</c>, with spans from every process on the task's way.
/// </summary>
/// <remarks>
/// With <c>SWARM_TEST_DASHBOARD_SCREENSHOTS=DIR</c> it also saves the README's pictures there: the task's trace, and
/// the structured logs of that task.
/// </remarks>
public sealed partial class DashboardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Each process that takes a step of the task, by the resource name the dashboard shows, and the step.</summary>
    private static readonly (string Resource, string Span)[] Steps =
    [
        ("orchestrator", "task created"),
        ("allocator", "task allocated"),
        ("scheduler", "task scheduled"),
        ("dispatcher", "task dispatched"),
        ("worker-[12]", "task running"),
    ];

    [SkippableFact]
    public async Task The_traces_page_finds_a_created_tasks_trace_by_its_task_id_with_spans_from_every_process()
    {
        var (executable, noDashboard) = AspireDashboard.Find();
        Skip.If(executable is null, noDashboard);
        var (chromium, noBrowser) = HeadlessChromium.Find();
        Skip.If(chromium is null, noBrowser);

        var watch = Stopwatch.StartNew();
        await using var dashboard = await AspireDashboard.StartAsync(executable);
        await using var cluster = await RunningCluster.StartAsync(environment: dashboard.OtlpEnvironment, namedResources: true);
        await using var browser = await HeadlessChromium.StartAsync(chromium);
        try
        {
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: dashboard, cluster and browser started");
            await Eventually.WaitAsync(() => cluster.NodeStatusAsync(), n => n.Count == 2 && n.Values.All(s => s == "READY"), Timeout, "2 ready nodes");
            var (status, body) = await cluster.PostAsync("/api/services", new { name = "viewed", replicas = 1, command = new[] { "sleep", "3600" } });
            Assert.True(status == HttpStatusCode.Created || status == HttpStatusCode.OK, $"create: {status} {body}");
            var task = (await Eventually.WaitAsync(() => cluster.TasksAsync("viewed"), t => t.Count(x => x.Running) == 1, Timeout, "1 running task")).Single(x => x.Running);
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: task {task.Id} running");

            // without the token the dashboard shows its login page, not the traces
            var anonymous = await browser.OpenAsync($"{dashboard.Url}/traces", html => HeadlessChromium.Text(html).Contains("Log in", StringComparison.Ordinal), Timeout, "the login form");
            Assert.DoesNotContain("Trace Id:", anonymous, StringComparison.Ordinal);

            // the login URL leads on to the traces page filtered by the task's id: one trace
            var tracesPage = TracesOf(task.Id);
            var traces = await browser.OpenAsync(dashboard.LoginUrl(tracesPage), html => TraceId().IsMatch(html), Timeout, "a trace of the task");
            var traceIds = TraceId().Matches(traces).Select(m => m.Groups["id"].Value).Distinct().ToList();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: {tracesPage} lists {string.Join(", ", traceIds)}");
            var traceId = Assert.Single(traceIds);

            // the trace's page: a span of each step, each in the process that took it (the last steps may still be on
            // their way to the dashboard when the page first renders: it updates itself)
            var detail = await browser.OpenAsync(
                $"{dashboard.Url}/traces/detail/{traceId}",
                html => Steps.All(step => SpanOf(step.Resource, step.Span).IsMatch(HeadlessChromium.Text(html))),
                Timeout,
                $"spans of {string.Join(", ", Steps.Select(s => $"{s.Resource} ({s.Span})"))}");
            var text = HeadlessChromium.Text(detail);
            Assert.Matches(@"(?<![\w-])controlapi(?![\w-])", text);
            output.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s: trace {traceId} shows {string.Join(", ", Steps.Select(s => SpanOf(s.Resource, s.Span).Match(text).Value))}");

            if (Environment.GetEnvironmentVariable("SWARM_TEST_DASHBOARD_SCREENSHOTS") is { Length: > 0 } pictures)
            {
                await ScreenshotsAsync(browser, dashboard, task.Id, Directory.CreateDirectory(pictures).FullName);
            }
        }
        catch
        {
            output.WriteLine(cluster.Logs);
            output.WriteLine(dashboard.Log);
            throw;
        }
    }

    private async Task ScreenshotsAsync(HeadlessChromium browser, AspireDashboard dashboard, string taskId, string folder)
    {
        await browser.ScreenshotAsync(Path.Combine(folder, "dashboard-task-trace.png"), height: 1400);

        // the worker logs each state the task reaches, with the task's id as a structured attribute
        var logsPage = $"/structuredlogs?filters={Uri.EscapeDataString($"TaskId:equals:{taskId}")}";
        await browser.OpenAsync($"{dashboard.Url}{logsPage}", html => HeadlessChromium.Text(html).Contains("): Running", StringComparison.Ordinal), Timeout, "the task's log lines");
        await browser.ScreenshotAsync(Path.Combine(folder, "dashboard-task-logs.png"), height: 700);
        output.WriteLine($"screenshots in {folder}");
    }

    /// <summary>The traces page with the dashboard's own filter syntax (field:condition:value) on a span attribute.</summary>
    private static string TracesOf(string taskId) => $"/traces?filters={Uri.EscapeDataString($"swarm.task.id:equals:{taskId}")}";

    /// <summary>A row of the trace's page: the span's name, then the resource that recorded it (exactly that name).</summary>
    private static Regex SpanOf(string resource, string span) => new($@"{Regex.Escape(span)} (?<![\w-]){resource}(?![\w-])");

    [GeneratedRegex("Trace Id: (?<id>[0-9a-f]{32})")]
    private static partial Regex TraceId();
}
