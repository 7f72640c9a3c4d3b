using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Swarm.Allocator;
using Swarm.Dispatcher;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Messaging;
using Swarm.Orchestrator;
using Swarm.Scheduler;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>
/// The queues each service declares are what operators see on the broker: their names, how many messages
/// are prefetched and what they are bound to stay the same whatever the consumers are called (a renamed
/// queue would leave the old one bound and filling on a running broker).
/// </summary>
public sealed class ConsumerQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task The_allocator_reads_its_two_queues_by_their_names_with_their_prefetch_and_the_ended_tasks_binding()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var host = await StartAsync(cluster, "allocator", b => b.AddAllocator());
        try
        {
            var queues = await QueuesAsync(cluster, "allocator-", 2);
            Assert.Equal(["allocator-task-created", "allocator-task-status-changed"], queues.Keys.Order());
            Assert.All(queues.Values, q => Assert.True(q is { Durable: true, AutoDelete: false, Expires: null }, q.ToString()));

            Assert.Equal(new[] { 16 }, await PrefetchAsync(cluster, "allocator-task-created"));
            Assert.Equal(new[] { 1000 }, await PrefetchAsync(cluster, "allocator-task-status-changed"));

            Assert.Contains(await SourcesAsync(cluster, "allocator-task-created"), s => s.Exchange.EndsWith(":TasksCreated", StringComparison.Ordinal));
            var statuses = await SourcesAsync(cluster, "allocator-task-status-changed");
            Assert.Equal([(TaskStatusRouting.Exchange, TaskStatusRouting.Ended)], statuses);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [SkippableFact]
    public async Task The_schedulers_consumers_share_one_placement_queue()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var host = await StartAsync(cluster, "scheduler", b => b.AddScheduler());
        try
        {
            var queues = await QueuesAsync(cluster, "scheduler-", 1);
            Assert.Equal(["scheduler-placement"], queues.Keys);
            Assert.True(queues["scheduler-placement"] is { Durable: true, AutoDelete: false, Expires: null }, queues["scheduler-placement"].ToString());
            Assert.Equal(new[] { PlacementQueue.MaxRound }, await PrefetchAsync(cluster, "scheduler-placement"));

            var messages = (await SourcesAsync(cluster, "scheduler-placement")).Select(s => s.Exchange[(s.Exchange.LastIndexOf(':') + 1)..]).Order();
            Assert.Equal(["NodeRegistered", "NodeSpecUpdated", "NodeStatusChanged", "ServiceUpdated", "TasksAllocated"], messages);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [SkippableFact]
    public async Task The_dispatchers_consumers_share_one_temporary_queue_of_its_own()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(cluster.Settings("dispatcher"));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Swarm:Relay"] = "false", ["Swarm:Ca:Key"] = Swarm.Security.KeyEncryptionKey.Generate() });
        TestHosts.Quiet(builder.Logging);
        builder.AddDispatcher();
        TestHosts.WaitForTheBus(builder.Services);
        await using var app = builder.Build();
        await app.StartAsync();
        try
        {
            var queues = await QueuesAsync(cluster, "dispatcher-", 1);
            var queue = Assert.Single(queues.Values);
            Assert.StartsWith($"dispatcher-assignments-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-", queue.Name);
            // temporary: not durable, and dropped by the broker soon after this process stops reading it
            Assert.False(queue.Durable, queue.ToString());
            Assert.True(queue.Expires is > 0, queue.ToString());
            Assert.Equal(new[] { 400 }, await PrefetchAsync(cluster, queue.Name));

            var messages = (await SourcesAsync(cluster, queue.Name)).Select(s => s.Exchange[(s.Exchange.LastIndexOf(':') + 1)..]).Order();
            Assert.Equal(["ClusterCaChanged", "NodeRemoved", "TaskDesiredStateChanged", "TasksAssigned"], messages);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [SkippableFact]
    public async Task The_command_rejected_exchange_exists_from_start_up_so_a_queue_can_be_bound_to_it_before_any_rejection()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        using var host = await StartAsync(cluster, "orchestrator", b => b.AddOrchestrator());
        try
        {
            const string exchange = "Swarm.Contracts.Commands:CommandRejected";
            var vhost = Uri.EscapeDataString(cluster.VHost);
            using (var doc = await GetAsync($"api/exchanges/{vhost}/{Uri.EscapeDataString(exchange)}"))
            {
                Assert.Equal("fanout", doc.RootElement.GetProperty("type").GetString());
                Assert.True(doc.RootElement.GetProperty("durable").GetBoolean());
            }

            // what the README tells a plain AMQP client to do, before any command was refused
            using var api = TestInfrastructure.ManagementClient();
            var queue = await api.PutAsync($"api/queues/{vhost}/rejections", new StringContent("""{"durable":false}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.True(queue.IsSuccessStatusCode, $"{(int)queue.StatusCode}");
            var binding = await api.PostAsync($"api/bindings/{vhost}/e/{Uri.EscapeDataString(exchange)}/q/rejections", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            Assert.True(binding.IsSuccessStatusCode, $"binding a queue to {exchange}: {(int)binding.StatusCode} {await binding.Content.ReadAsStringAsync()}");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<IHost> StartAsync(IsolatedCluster cluster, string name, Func<HostApplicationBuilder, IHostApplicationBuilder> service)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(cluster.Settings(name));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Swarm:Relay"] = "false" });
        TestHosts.Quiet(builder.Logging);
        service(builder);
        TestHosts.WaitForTheBus(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A queue as the broker declares it; <paramref name="Expires"/> is its <c>x-expires</c> (how long it outlives its last consumer), if any.</summary>
    private sealed record Queue(string Name, bool Durable, bool AutoDelete, int? Expires);

    /// <summary>The vhost's queues whose names start with <paramref name="prefix"/>, once there are <paramref name="count"/> of them (and a little longer, for any extra).</summary>
    private static async Task<Dictionary<string, Queue>> QueuesAsync(IsolatedCluster cluster, string prefix, int count)
    {
        async Task<Dictionary<string, Queue>> Read()
        {
            using var doc = await GetAsync($"api/queues/{Uri.EscapeDataString(cluster.VHost)}");
            return doc.RootElement.EnumerateArray()
                .Select(q => new Queue(q.GetProperty("name").GetString()!, q.GetProperty("durable").GetBoolean(), q.GetProperty("auto_delete").GetBoolean(),
                    q.GetProperty("arguments").TryGetProperty("x-expires", out var expires) ? expires.GetInt32() : null))
                .Where(q => q.Name.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(q => q.Name);
        }

        await Eventually.WaitAsync(Read, q => q.Count >= count, Timeout, $"{count} queue(s) named {prefix}…");
        return await Read();
    }

    /// <summary>The prefetch of every consumer on the queue (one per running service), once the broker lists them.</summary>
    private static async Task<int[]> PrefetchAsync(IsolatedCluster cluster, string queue)
    {
        async Task<int[]> Read()
        {
            using var doc = await GetAsync($"api/consumers/{Uri.EscapeDataString(cluster.VHost)}");
            return doc.RootElement.EnumerateArray()
                .Where(c => c.GetProperty("queue").GetProperty("name").GetString() == queue)
                .Select(c => c.GetProperty("prefetch_count").GetInt32())
                .ToArray();
        }

        return await Eventually.WaitAsync(Read, p => p.Length > 0, Timeout, $"the consumers of {queue}");
    }

    /// <summary>The message exchanges (and routing keys) feeding the queue through its own exchange.</summary>
    private static async Task<(string Exchange, string RoutingKey)[]> SourcesAsync(IsolatedCluster cluster, string queue)
    {
        using var doc = await GetAsync($"api/exchanges/{Uri.EscapeDataString(cluster.VHost)}/{Uri.EscapeDataString(queue)}/bindings/destination");
        return doc.RootElement.EnumerateArray()
            .Select(b => (b.GetProperty("source").GetString()!, b.GetProperty("routing_key").GetString()!))
            .ToArray();
    }

    private static async Task<JsonDocument> GetAsync(string path)
    {
        using var api = TestInfrastructure.ManagementClient();
        var response = await api.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
