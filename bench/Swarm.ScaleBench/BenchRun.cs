using System.Diagnostics;
using System.Net.Http.Json;

namespace Swarm.ScaleBench;

/// <summary>The benchmark's phases, in order, against one control plane.</summary>
public sealed class BenchRun(BenchOptions options)
{
    private readonly List<string> _services = [];

    public async Task<int> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.Out);
        await using var plane = new ControlPlane(options);
        Say($"starting the control plane (schema {plane.Schema}) with {options.Nodes} simulated nodes; logs in {options.Out}/logs");
        await plane.StartAsync(ct);
        var log = new ClusterLog(options.Postgres, plane.Schema);
        using var api = plane.ApiClient(TimeSpan.FromSeconds(60));

        await WaitAsync(() => log.ReadyNodesAsync(ct), n => n >= options.Nodes, TimeSpan.FromSeconds(60 + options.Nodes / 20), $"{options.Nodes} nodes ready", ct);
        Say($"{options.Nodes} nodes ready");
        await CreateNetworkAsync(api, ct);

        using var sampling = new CancellationTokenSource();
        var peaks = Task.Run(() => SamplePeaksAsync(plane, log, sampling.Token), CancellationToken.None);

        var burst = await BurstAsync(api, log, plane, ct);
        var idle = await IdleAsync(api, log, ct);
        var churn = await ChurnAsync(api, log, ct);
        var heartbeat = await HeartbeatAsync(plane, log, ct);

        await sampling.CancelAsync();
        var (relayLag, queueDepth) = await peaks;
        var duplicates = await log.DuplicateRunningSlotsAsync(ct);
        var processes = plane.Processes.Select(p => new ProcessResult(p.Key, ProcessStats.CpuSeconds(p.Value), ProcessStats.PeakRssBytes(p.Value) / 1048576.0)).OrderBy(p => p.Name).ToList();
        var results = new BenchResults(
            options with { Postgres = "", RabbitMq = "", RabbitMqApi = "" },
            burst,
            idle,
            churn,
            heartbeat,
            processes,
            burst.SecondsToAllRunning > 0 ? _burstEvents / burst.SecondsToAllRunning : 0,
            relayLag,
            queueDepth,
            duplicates,
            $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        Report.Write(results, options.Out);
        await Console.Out.WriteLineAsync(await File.ReadAllTextAsync(Path.Combine(options.Out, "results.md")));

        if (burst.Reached < burst.Tasks || duplicates > 0)
        {
            await Console.Error.WriteLineAsync($"bench: FAILED: {burst.Reached}/{burst.Tasks} tasks reached RUNNING, {duplicates} slots running twice");
            return 1;
        }

        return 0;
    }

    private double _burstEvents;

    private async Task<BurstResult> BurstAsync(HttpClient api, ClusterLog log, ControlPlane plane, CancellationToken ct)
    {
        // CPU from just before the first create to the moment every task runs (not the queries that follow)
        var cpuBefore = ProcessStats.Snapshot(plane.Processes);
        Say($"burst: {options.Services} services, {options.Tasks} replicas in all");
        var eventsBefore = await log.EventCountAsync(ct);
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var per = options.Tasks / options.Services;
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Services), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var replicas = per + (i < options.Tasks % options.Services ? 1 : 0);
            await CreateAsync(api, $"burst-{i}", replicas, token);
        });

        var series = new List<(double, int)>();
        var timeout = TimeSpan.FromSeconds(Math.Max(120, options.Tasks / 20));
        var running = 0;
        while (clock.Elapsed < timeout)
        {
            running = await log.RunningTasksAsync(null, ct);
            series.Add((clock.Elapsed.TotalSeconds, running));
            if (running >= options.Tasks)
            {
                break;
            }

            await Task.Delay(200, ct);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpuAfter = ProcessStats.Snapshot(plane.Processes);
        _burstEvents = await log.EventCountAsync(ct) - eventsBefore;
        var timings = await log.TimingsAsync(start, ct);
        var latencies = timings.Where(t => t.LatencyMs is not null).Select(t => t.LatencyMs!.Value).ToList();
        var lastRunning = timings.Where(t => t.Running is not null).Select(t => t.Running!.Value).DefaultIfEmpty(start).Max();
        var hops = await log.HopsAsync(start, ct);
        Say($"burst: {running}/{options.Tasks} running after {seconds:0.0} s; median per hop: {string.Join(", ", hops.Select(h => $"{h.Name} {h.MedianMs:0} ms"))}");
        return new BurstResult(
            options.Tasks,
            running,
            seconds,
            latencies.Count / Math.Max(0.001, (lastRunning - start).TotalSeconds),
            running / Math.Max(0.001, seconds),
            Percentiles.Of(latencies),
            series,
            hops,
            latencies)
        {
            Cpu = cpuAfter
                .Select(c => (c.Key, Seconds: c.Value - cpuBefore.GetValueOrDefault(c.Key)))
                .Select(c => new CpuShare(c.Key, c.Seconds, c.Seconds * 1000 / Math.Max(1, running)))
                .OrderByDescending(c => c.Name == ProcessStats.Machine).ThenByDescending(c => c.CpuSeconds)
                .ToList(),
        };
    }

    private async Task<IdleResult> IdleAsync(HttpClient api, ClusterLog log, CancellationToken ct)
    {
        Say($"idle latency: {options.IdleRuns} × a 10-replica service");
        var start = DateTimeOffset.UtcNow;
        var seconds = new List<double>();
        for (var i = 0; i < options.IdleRuns; i++)
        {
            var clock = Stopwatch.StartNew();
            var id = await CreateAsync(api, $"idle-{i}", 10, ct);
            await WaitAsync(() => log.RunningTasksAsync(id, ct), n => n >= 10, TimeSpan.FromSeconds(60), $"idle-{i} running", ct, pollMs: 20);
            seconds.Add(clock.Elapsed.TotalSeconds);
            (await api.DeleteAsync($"/api/services/idle-{i}", ct)).EnsureSuccessStatusCode();
            _services.Remove($"idle-{i}");
        }

        var hops = await log.HopsAsync(start, ct);
        var result = new IdleResult(Percentiles.Of(seconds), hops);
        Say($"idle latency: p50 {result.SecondsToAllRunning.P50 * 1000:0} ms, max {result.SecondsToAllRunning.Max * 1000:0} ms; median per hop: {string.Join(", ", hops.Select(h => $"{h.Name} {h.MedianMs:0} ms"))}");
        return result;
    }

    private async Task<ChurnResult> ChurnAsync(HttpClient api, ClusterLog log, CancellationToken ct)
    {
        Say($"churn: scaling services up and down for {options.ChurnSeconds} s");
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var random = new Random(42);
        var per = Math.Max(1, options.Tasks / options.Services);
        var handled = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(options.ChurnSeconds))
        {
            var name = $"burst-{random.Next(options.Services)}";
            var replicas = random.Next(per / 2, per + 1);
            var response = await api.PostAsJsonAsync($"/api/services/{name}/update", new { replicas }, ct);
            response.EnsureSuccessStatusCode();
            handled++;
            await Task.Delay(250, ct);
        }

        // let the last changes land before measuring them (bounded)
        var churned = clock.Elapsed;
        var timings = await log.TimingsAsync(start, ct);
        for (var settled = 0; settled < 30 && timings.Any(t => t.Running is null); settled++)
        {
            var before = timings.Count(t => t.Running is not null);
            await Task.Delay(1000, ct);
            timings = await log.TimingsAsync(start, ct);
            if (timings.Count(t => t.Running is not null) == before && settled > 5)
            {
                break;
            }
        }

        var latencies = timings.Where(t => t.LatencyMs is not null).Select(t => t.LatencyMs!.Value).ToList();
        // the services were created before the churn began: that hop says nothing about it
        var hops = (await log.HopsAsync(start, ct)).Where(h => !h.Name.StartsWith("service created", StringComparison.Ordinal)).ToList();
        var result = new ChurnResult(options.ChurnSeconds, timings.Count, timings.Count / churned.TotalSeconds, Percentiles.Of(latencies), hops);
        Say($"churn: {handled} scale commands, {timings.Count} tasks created, p99 created->running {result.LatencyMs.P99:0} ms; p99 per hop: {string.Join(", ", hops.Select(h => $"{h.Name} {h.P99Ms:0} ms"))}");
        return result;
    }

    private async Task<HeartbeatResult> HeartbeatAsync(ControlPlane plane, ClusterLog log, CancellationToken ct)
    {
        Say($"heartbeat load: {options.HeartbeatSeconds} s of steady state");
        var dispatcher = plane.Processes["dispatcher"];
        var cpuBefore = ProcessStats.CpuSeconds(dispatcher);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(options.HeartbeatSeconds), ct);
        var cpu = (ProcessStats.CpuSeconds(dispatcher) - cpuBefore) / clock.Elapsed.TotalSeconds * 100;
        var down = await log.NodesMarkedDownAsync(ct);
        Say($"heartbeat load: dispatcher {cpu:0.0} % of one core, {down} nodes marked down");
        return new HeartbeatResult(options.Nodes, options.HeartbeatSeconds, cpu, down);
    }

    private async Task<(long RelayLag, int QueueDepth)> SamplePeaksAsync(ControlPlane plane, ClusterLog log, CancellationToken ct)
    {
        long lag = 0;
        var depth = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                lag = Math.Max(lag, await log.RelayLagAsync(ct));
                depth = Math.Max(depth, await plane.QueuedMessagesAsync(ct));
                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (lag, depth);
    }

    /// <summary>The network every bench service attaches to: a /16, so every task of the burst gets an address on it.</summary>
    public const string Network = "bench";
    public const string NetworkSubnet = "10.128.0.0/16";

    private static async Task CreateNetworkAsync(HttpClient api, CancellationToken ct)
    {
        var response = await api.PostAsJsonAsync("/api/networks", new { name = Network, subnet = NetworkSubnet }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"network create {Network}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        Say($"network {Network} ({NetworkSubnet}) created: every service attaches to it");
    }

    private async Task<Guid> CreateAsync(HttpClient api, string name, int replicas, CancellationToken ct)
    {
        var response = await api.PostAsJsonAsync("/api/services", new { name, replicas, command = new[] { "sleep", "3600" }, networks = new[] { new { target = Network } } }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"create {name}: {(int)response.StatusCode} {body}");
        }

        lock (_services)
        {
            _services.Add(name);
        }

        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, CancellationToken ct, int pollMs = 200)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(await probe()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(pollMs, ct);
        }
    }

    private static void Say(string line) => Console.WriteLine($"bench: {DateTime.Now:HH:mm:ss} {line}");
}
