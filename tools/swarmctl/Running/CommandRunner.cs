using System.Text.Json;
using System.Text.Json.Nodes;
using Swarm.ControlApi.Contracts;
using Swarm.Ctl.Api;
using Swarm.Ctl.Cli;
using Swarm.Ctl.Output;

namespace Swarm.Ctl.Running;

/// <summary>Runs a parsed command against the control API and prints the outcome.</summary>
public sealed class CommandRunner(ApiClient api, TextWriter stdout, TextWriter stderr, TimeProvider time, Func<Stream>? openStdin = null)
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs <paramref name="command"/>; returns the exit code. Failures of the API surface as <see cref="ApiException"/>.</summary>
    public Task<int> RunAsync(CliCommand command, CancellationToken ct) => command switch
    {
        NodeList c => NodeListAsync(c, ct),
        NodeInspect c => NodeInspectAsync(c, ct),
        NodeUpdate c => NodeUpdateAsync(c, ct),
        ServiceCreate c => ServiceCreateAsync(c, ct),
        ServiceList c => ServiceListAsync(c, ct),
        ServicePs c => ServicePsAsync(c, ct),
        ServiceInspect c => ServiceInspectAsync(c, ct),
        ServiceUpdate c => ServiceUpdateAsync(c, ct),
        ServiceRemove c => ServiceRemoveAsync(c, ct),
        ServiceScale c => ServiceScaleAsync(c, ct),
        TaskList c => TaskListAsync(c, ct),
        TaskInspect c => TaskInspectAsync(c, ct),
        TraceTask c => TaskTraceAsync(c, ct),
        LogsCommand c => LogsAsync(c, ct),
        ClusterInspect c => ClusterInspectAsync(c, ct),
        ClusterList c => ClusterListAsync(c, ct),
        ClusterUpdate c => ClusterUpdateAsync(c, ct),
        ClusterCa c => new CaCommands(api, stdout, stderr, time).ShowOrRotateAsync(c, ct),
        ClusterUnlock c => new AutolockCommands(api, stdout, stderr, openStdin).UnlockAsync(c, ct),
        ClusterUnlockKey c => new AutolockCommands(api, stdout, stderr, openStdin).UnlockKeyAsync(c, ct),
        ClusterIssueClientCert c => new CaCommands(api, stdout, stderr, time).IssueClientCertificateAsync(c, ct),
        ClusterJoinToken c => new CaCommands(api, stdout, stderr, time).JoinTokenAsync(c, ct),
        NodeRemove c => NodeRemoveAsync(c, ct),
        NetworkCreate c => NetworkCreateAsync(c, ct),
        NetworkList c => NetworkListAsync(c, ct),
        NetworkInspect c => NetworkInspectAsync(c, ct),
        NetworkRemove c => NetworkRemoveAsync(c, ct),
        SecretCreate c => Secrets.CreateAsync(c, ct),
        SecretList c => Secrets.ListAsync(c, ct),
        SecretInspect c => Secrets.InspectAsync(c, ct),
        SecretRemove c => Secrets.RemoveAsync(c, ct),
        _ => throw new NotSupportedException(command.GetType().Name),
    };

    private DateTimeOffset Now => time.GetUtcNow();

    private SecretCommands Secrets => new(api, stdout, stderr, time, openStdin ?? Console.OpenStandardInput);

    private static string Seg(string value) => ApiClient.Segment(value);

    private async Task<int> NodeListAsync(NodeList c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            return await PrintJsonAsync("api/nodes", ct);
        }

        var nodes = await api.GetAsync<List<NodeView>>("api/nodes", ct);
        await stdout.WriteAsync(c.Quiet ? Ids(nodes.Select(n => n.Id)) : Views.Nodes(nodes));
        return 0;
    }

    private async Task<int> NodeInspectAsync(NodeInspect c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync(c.Nodes.Select(n => $"api/nodes/{Seg(n)}"), ct);
        }

        var first = true;
        foreach (var reference in c.Nodes)
        {
            var node = await api.GetAsync<NodeView>($"api/nodes/{Seg(reference)}", ct);
            await stdout.WriteAsync((first ? "" : "\n") + Views.Node(node, Now));
            first = false;
        }

        return 0;
    }

    private async Task<int> NodeUpdateAsync(NodeUpdate c, CancellationToken ct)
    {
        var body = new UpdateNodeRequest
        {
            Availability = c.Availability,
            LabelAdd = c.LabelAdd.Count > 0 ? c.LabelAdd : null,
            LabelRemove = c.LabelRemove.Count > 0 ? c.LabelRemove : null,
        };
        var result = await api.PostAsync($"api/nodes/{Seg(c.Node)}/update", body, ct);
        await stdout.WriteLineAsync(result.Id.ToString("N"));
        return 0;
    }

    private async Task<int> ServiceCreateAsync(ServiceCreate c, CancellationToken ct)
    {
        var result = await api.PostAsync("api/services", c.Spec, ct);
        await stdout.WriteLineAsync(result.Id.ToString("N"));
        return c.Wait.Wait ? await WaitForReplicasAsync(result.Id.ToString(), c.Wait.Timeout, ct) : 0;
    }

    private async Task<int> ServiceListAsync(ServiceList c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            return await PrintJsonAsync("api/services", ct);
        }

        var services = await api.GetAsync<List<ServiceSummary>>("api/services", ct);
        await stdout.WriteAsync(c.Quiet ? Ids(services.Select(s => s.Id)) : Views.Services(services));
        return 0;
    }

    private async Task<int> ServicePsAsync(ServicePs c, CancellationToken ct)
    {
        var paths = c.Services.Select(s => $"api/services/{Seg(s)}/tasks").ToList();
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            var all = new JsonArray();
            foreach (var path in paths)
            {
                foreach (var item in ((await api.GetJsonAsync(path, ct)) as System.Text.Json.Nodes.JsonArray ?? throw new InvalidOperationException($"the API answered {path} with something other than a list")).ToList())
                {
                    all.Add(item?.DeepClone());
                }
            }

            await stdout.WriteLineAsync(all.ToJsonString(Indented));
            return 0;
        }

        var tasks = new List<TaskSummary>();
        foreach (var path in paths)
        {
            tasks.AddRange(await api.GetAsync<List<TaskSummary>>(path, ct));
        }

        if (c.Quiet)
        {
            await stdout.WriteAsync(Ids(tasks.Select(t => t.Id)));
            return 0;
        }

        // a service the orchestrator cannot reconcile has no task to carry the reason: say it under the table
        var services = new List<ServiceDetail>();
        foreach (var service in c.Services)
        {
            services.Add(await api.GetAsync<ServiceDetail>($"api/services/{Seg(service)}", ct));
        }

        await stdout.WriteAsync(Views.Tasks(tasks, Now, c.NoTrunc) + Views.ReconcileErrors(services));
        return 0;
    }

    private async Task<int> ServiceInspectAsync(ServiceInspect c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync(c.Services.Select(s => $"api/services/{Seg(s)}"), ct);
        }

        var first = true;
        foreach (var reference in c.Services)
        {
            var service = await api.GetAsync<ServiceDetail>($"api/services/{Seg(reference)}", ct);
            await stdout.WriteAsync((first ? "" : "\n") + Views.Service(service, Now));
            first = false;
        }

        return 0;
    }

    private async Task<int> ServiceUpdateAsync(ServiceUpdate c, CancellationToken ct)
    {
        var current = await api.GetAsync<ServiceDetail>($"api/services/{Seg(c.Service)}", ct);
        // the body is derived from the spec just read: the API refuses it if the service changed meanwhile
        var body = c.Changes.ToBody(current.Spec, current.Networks);
        await api.PostAsync($"api/services/{current.Id}/update", c.Changes.Rollback ? body : body with { Version = current.SpecVersion }, ct);
        await stdout.WriteLineAsync(current.Name);
        return c.Wait.Wait
            ? await WaitForReplicasAsync(current.Id.ToString(), c.Wait.Timeout, ct, new UpdateWatch(current.UpdateStatus, c.Changes.Rollback))
            : 0;
    }

    private async Task<int> ServiceRemoveAsync(ServiceRemove c, CancellationToken ct)
    {
        var exit = 0;
        foreach (var service in c.Services)
        {
            try
            {
                await api.DeleteAsync($"api/services/{Seg(service)}", ct);
                await stdout.WriteLineAsync(service);
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {ex.Message}");
                exit = 1;
            }
        }

        return exit;
    }

    private async Task<int> ServiceScaleAsync(ServiceScale c, CancellationToken ct)
    {
        var exit = 0;
        var scaled = new List<string>();
        foreach (var (service, replicas) in c.Targets)
        {
            try
            {
                var result = await api.PostAsync($"api/services/{Seg(service)}/update", new UpdateServiceRequest { Replicas = replicas }, ct);
                await stdout.WriteLineAsync($"{service} scaled to {replicas}");
                scaled.Add(result.Id.ToString());
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {service}: {ex.Message}");
                exit = 1;
            }
        }

        if (c.Wait.Wait)
        {
            foreach (var id in scaled)
            {
                exit = Math.Max(exit, await WaitForReplicasAsync(id, c.Wait.Timeout, ct));
            }
        }

        return exit;
    }

    private async Task<int> TaskListAsync(TaskList c, CancellationToken ct)
    {
        var query = new List<string>();
        if (c.Service is { } s)
        {
            query.Add($"service={Seg(s)}");
        }

        if (c.Node is { } n)
        {
            query.Add($"node={Seg(n)}");
        }

        if (c.DesiredState is { } d)
        {
            query.Add($"desiredState={Seg(d)}");
        }

        var path = query.Count == 0 ? "api/tasks" : $"api/tasks?{string.Join('&', query)}";
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            return await PrintJsonAsync(path, ct);
        }

        var tasks = await api.GetAsync<List<TaskSummary>>(path, ct);
        await stdout.WriteAsync(c.Quiet ? Ids(tasks.Select(t => t.Id)) : Views.Tasks(tasks, Now, c.NoTrunc));
        return 0;
    }

    private async Task<int> TaskInspectAsync(TaskInspect c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync(c.Tasks.Select(t => $"api/tasks/{Seg(t)}"), ct);
        }

        var first = true;
        foreach (var reference in c.Tasks)
        {
            var task = await api.GetAsync<TaskDetail>($"api/tasks/{Seg(reference)}", ct);
            if (c.Tasks.Count > 1)
            {
                await stdout.WriteLineAsync($"{(first ? "" : "\n")}{task.Name} ({Humanize.ShortId(task.Id)}):");
            }

            await stdout.WriteAsync(Views.TaskAddresses(task) + Views.History(task));
            first = false;
        }

        return 0;
    }

    private async Task<int> TaskTraceAsync(TraceTask c, CancellationToken ct)
    {
        var path = $"api/tasks/{Seg(c.Task)}/trace";
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync(path, ct);
        }

        await stdout.WriteAsync(Waterfall.Render(await api.GetAsync<TaskTrace>(path, ct)));
        return 0;
    }

    /// <summary>
    /// Polls the service until every desired replica runs (jobs: until every completion is done) and,
    /// when <paramref name="watch"/> is given, until the rolling update it started has ended, printing
    /// progress on stderr.
    /// </summary>
    private async Task<int> WaitForReplicasAsync(string serviceId, TimeSpan timeout, CancellationToken ct, UpdateWatch? watch = null)
    {
        var deadline = Now + timeout;
        var last = "";
        while (true)
        {
            var s = await api.GetAsync<ServiceDetail>($"api/services/{Seg(serviceId)}", ct);
            var update = watch?.Started(s.UpdateStatus);
            var line = WaitLine(s, update);
            if (line != last)
            {
                await stderr.WriteLineAsync(line);
                last = line;
            }

            if (update is { IsPaused: true })
            {
                await stderr.WriteLineAsync($"swarmctl: {s.Name}: {Views.UpdateState(update.State)}: {update.Message}");
                return 1;
            }

            if (Reached(s) && update is not { InProgress: true })
            {
                if (update is { State: "rollback_completed" } && !watch!.Rollback)
                {
                    await stderr.WriteLineAsync($"swarmctl: {s.Name}: the update was rolled back: {update.Message}");
                    return 1;
                }

                return 0;
            }

            if (Now >= deadline)
            {
                var error = await LatestErrorAsync(serviceId, ct);
                var what = update is { InProgress: true } ? $"{Views.UpdateState(update.State)}, {Progress(s)}" : $"only {Progress(s)}";
                await stderr.WriteLineAsync($"swarmctl: {s.Name}: {what} after {Durations.Format(timeout)}{error}");
                return 1;
            }

            await Task.Delay(PollInterval, time, ct);
        }
    }

    private static bool IsJob(ServiceDetail s) => s.Mode is "replicated-job" or "global-job";

    private static bool Reached(ServiceDetail s) => IsJob(s)
        ? s.TotalCompletions is { } total && s.Completed >= total
        : s.Running == s.Replicas;

    private static string Progress(ServiceDetail s) => IsJob(s) && s.Progress.Length > 0 ? s.Progress : $"{s.Running}/{s.Replicas} running";

    private static string WaitLine(ServiceDetail s, UpdateStatusView? update) =>
        $"{s.Name}: {Progress(s)}" + (update is { InProgress: true } ? $" ({Views.UpdateState(update.State)})" : "");

    /// <summary>The update status a <c>service update</c> started: one that differs from the status before it.</summary>
    private sealed record UpdateWatch(UpdateStatusView? Before, bool Rollback)
    {
        public UpdateStatusView? Started(UpdateStatusView? now) =>
            now is not null && (Before is null || now.StartedAt != Before.StartedAt || now.State != Before.State) ? now : null;
    }

    private async Task<int> LogsAsync(LogsCommand c, CancellationToken ct)
    {
        var resource = c.Source == LogSource.Service ? "services" : "tasks";
        var query = $"follow={(c.Follow ? "true" : "false")}" + (c.Tail is { } tail ? $"&tail={tail}" : "");
        try
        {
            await api.StreamLinesAsync($"api/{resource}/{Seg(c.Reference)}/logs?{query}", async line =>
            {
                await stdout.WriteLineAsync(line);
                await stdout.FlushAsync(ct);
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && c.Follow)
        {
            // Ctrl-C is how a follow ends
        }

        return 0;
    }

    private async Task<int> ClusterInspectAsync(ClusterInspect c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync("api/cluster", ct);
        }

        await stdout.WriteAsync(Views.Cluster(await api.GetAsync<ClusterView>("api/cluster", ct), Now));
        await stdout.WriteAsync(Views.Autolock(await api.GetAsync<AutolockView>("api/cluster/autolock", ct)));
        return 0;
    }

    private async Task<int> ClusterListAsync(ClusterList c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json)
        {
            return await PrintJsonAsync("api/cluster/dispatchers", ct);
        }

        await stdout.WriteAsync(Views.Dispatchers(await api.GetJsonAsync("api/cluster/dispatchers", ct)));
        return 0;
    }

    private async Task<int> ClusterUpdateAsync(ClusterUpdate c, CancellationToken ct)
    {
        if (c.TaskHistoryLimit is null && c.CertExpiry is null)
        {
            return await new AutolockCommands(api, stdout, stderr, openStdin).UpdateAsync(c.Autolock!.Value, c.Format, ct);
        }

        var body = new UpdateClusterRequest { TaskHistoryLimit = c.TaskHistoryLimit, NodeCertExpirySeconds = (long?)c.CertExpiry?.TotalSeconds };
        await api.PostAsync("api/cluster/update", body, ct);
        if (c.TaskHistoryLimit is { } limit)
        {
            await stdout.WriteLineAsync($"task history limit: {limit}");
        }

        if (c.CertExpiry is { } expiry)
        {
            await stdout.WriteLineAsync($"node certificate expiry: {Durations.Format(expiry)}");
        }

        if (c.Autolock is { } autolock)
        {
            return await new AutolockCommands(api, stdout, stderr, openStdin).UpdateAsync(autolock, c.Format, ct);
        }

        return 0;
    }

    private async Task<int> NodeRemoveAsync(NodeRemove c, CancellationToken ct)
    {
        var exit = 0;
        foreach (var node in c.Nodes)
        {
            try
            {
                await api.DeleteAsync($"api/nodes/{Seg(node)}?force={(c.Force ? "true" : "false")}", ct);
                await stdout.WriteLineAsync(node);
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {node}: {ex.Message}");
                exit = 1;
            }
        }

        return exit;
    }

    private async Task<int> NetworkCreateAsync(NetworkCreate c, CancellationToken ct)
    {
        var network = await api.PostAsync<NetworkView>("api/networks", c.Spec, ct);
        await stdout.WriteLineAsync(network.Id.ToString("N"));
        return 0;
    }

    private async Task<int> NetworkListAsync(NetworkList c, CancellationToken ct)
    {
        if (c.Format == OutputFormat.Json && !c.Quiet)
        {
            return await PrintJsonAsync("api/networks", ct);
        }

        var networks = await api.GetAsync<List<NetworkView>>("api/networks", ct);
        await stdout.WriteAsync(c.Quiet ? Ids(networks.Select(n => n.Id)) : Views.Networks(networks));
        return 0;
    }

    /// <summary>As <c>docker network inspect</c>: a JSON array of the networks found; each one not found is named on stderr (exit 1).</summary>
    private async Task<int> NetworkInspectAsync(NetworkInspect c, CancellationToken ct)
    {
        var exit = 0;
        var found = new JsonArray();
        var first = true;
        foreach (var reference in c.Networks)
        {
            try
            {
                if (c.Format == OutputFormat.Json)
                {
                    found.Add(await api.GetJsonAsync($"api/networks/{Seg(reference)}", ct));
                }
                else
                {
                    var network = await api.GetAsync<NetworkView>($"api/networks/{Seg(reference)}", ct);
                    await stdout.WriteAsync((first ? "" : "\n") + Views.Network(network, Now));
                    first = false;
                }
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {reference}: {ex.Message}");
                exit = 1;
            }
        }

        if (c.Format == OutputFormat.Json)
        {
            await stdout.WriteLineAsync(found.ToJsonString(Indented));
        }

        return exit;
    }

    private async Task<int> NetworkRemoveAsync(NetworkRemove c, CancellationToken ct)
    {
        var exit = 0;
        foreach (var network in c.Networks)
        {
            try
            {
                await api.DeleteAsync($"api/networks/{Seg(network)}", ct);
                await stdout.WriteLineAsync(network);
            }
            catch (ApiException ex) when (ex.Status is not null)
            {
                await stderr.WriteLineAsync($"swarmctl: {network}: {ex.Message}");
                exit = 1;
            }
        }

        return exit;
    }

    private async Task<string> LatestErrorAsync(string serviceId, CancellationToken ct)
    {
        var tasks = await api.GetAsync<List<TaskSummary>>($"api/services/{Seg(serviceId)}/tasks", ct);
        var latest = tasks.Where(t => !string.IsNullOrEmpty(t.Error)).MaxBy(t => t.UpdatedAt);
        var pending = tasks.Where(t => t.DesiredState == Swarm.Contracts.Model.DesiredState.Running && t.State < Swarm.Contracts.Model.TaskState.Running).MaxBy(t => t.UpdatedAt);
        return latest is not null ? $" (last error: {latest.Error})"
            : pending is { Message.Length: > 0 } ? $" ({pending.Name} {pending.State.ToString().ToLowerInvariant()}: {pending.Message})"
            : "";
    }

    private async Task<int> PrintJsonAsync(string path, CancellationToken ct)
    {
        var json = await api.GetJsonAsync(path, ct);
        await stdout.WriteLineAsync(json.ToJsonString(Indented));
        return 0;
    }

    /// <summary>One object for one path, an array for several.</summary>
    private async Task<int> PrintJsonAsync(IEnumerable<string> paths, CancellationToken ct)
    {
        var list = paths.ToList();
        if (list.Count == 1)
        {
            return await PrintJsonAsync(list[0], ct);
        }

        var array = new JsonArray();
        foreach (var path in list)
        {
            array.Add(await api.GetJsonAsync(path, ct));
        }

        await stdout.WriteLineAsync(array.ToJsonString(Indented));
        return 0;
    }

    private static string Ids(IEnumerable<Guid> ids) => string.Concat(ids.Select(id => id.ToString("N") + "\n"));
}
