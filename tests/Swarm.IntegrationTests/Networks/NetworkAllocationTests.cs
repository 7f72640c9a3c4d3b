using MassTransit;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.EventStore.Allocation;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Networks;

/// <summary>
/// Networks, attachments and published ports through the real orchestrator, allocator and log: the
/// command-side checks, and addresses held as leases that stay unique and are given back.
/// </summary>
public sealed class NetworkAllocationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static ServiceSpec Spec(string name, int replicas, params string[] networks) => new()
    {
        Name = name,
        Replicas = replicas,
        Command = ["sleep", "3600"],
        Networks = networks.Select(n => new NetworkAttachmentSpec { Target = n }).ToList(),
    };

    private static async Task<CommandRejected> RejectedAsync<T>(Managers managers, T command) where T : class
    {
        var response = await managers.SendAsync(command);
        Assert.True(response.Is(out Response<CommandRejected>? rejected), $"{typeof(T).Name} was accepted");
        return rejected!.Message;
    }

    private static async Task<IReadOnlyList<PortLease>> PortLeasesAsync(Managers managers)
    {
        await using var query = managers.Store.QuerySession();
        return await Marten.QueryableExtensions.ToListAsync(query.Query<PortLease>());
    }

    private static async Task<Service> ServiceAsync(Managers managers, Guid id)
    {
        await using var query = managers.Store.QuerySession();
        return (await query.LoadAsync<Service>(id))!;
    }

    [SkippableFact]
    public async Task Tasks_get_unique_addresses_vips_and_aliases_from_two_allocators_and_a_service_on_no_network_still_reaches_pending()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.StartAsync("allocator2");
        await managers.AddNodeAsync("a");
        await managers.AddNodeAsync("b");
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back" } });

        var ids = new List<Guid>();
        foreach (var i in Enumerable.Range(1, 6))
        {
            ids.Add((await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec($"s{i}", 10, "back") })).Id);
        }

        var plain = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("plain", 3) })).Id;
        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(), t => t.Count == 63 && t.All(x => x.State >= TaskState.Pending), Timeout, "63 tasks past allocation");

        var attached = tasks.Where(t => t.ServiceId != plain).ToList();
        Assert.All(attached, t => Assert.Equal("back", Assert.Single(t.Networks).NetworkName));
        Assert.Equal(60, attached.Select(t => t.Address).Distinct().Count());
        Assert.All(attached, t => Assert.StartsWith("10.0.1.", t.Address));

        // the service on no network has no address and went through the same allocator
        Assert.All(tasks.Where(t => t.ServiceId == plain), t =>
        {
            Assert.Empty(t.Networks);
            Assert.Equal("", t.Address);
            Assert.NotNull(t.AllocatedAt);
        });

        // each service has a VIP on back; none of them is a task's address
        var vips = new List<string>();
        foreach (var id in ids)
        {
            var service = await ServiceAsync(managers, id);
            vips.Add(Assert.Single(service.Endpoint!.VirtualIps).Address);
            Assert.All(tasks.Where(t => t.ServiceId == id), t => Assert.Equal(vips[^1], t.Networks[0].VirtualIp));
            Assert.All(tasks.Where(t => t.ServiceId == id), t => Assert.Equal(service.Name, t.Networks[0].Aliases[0]));
        }

        Assert.Equal(66, attached.Select(t => t.Address).Concat(vips).Distinct().Count());
        var leases = await managers.LeasesAsync();
        Assert.Equal(66, leases.Count);
    }

    [SkippableFact]
    public async Task An_allocator_whose_leases_are_out_of_date_conflicts_at_commit_and_allocates_again_from_the_leases()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.StopAsync("allocator");
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back", Subnet = "10.4.0.0/24" } });
        var a = new Swarm.Allocator.NetworkAllocator(managers.Store, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Swarm.Allocator.NetworkAllocator>.Instance);
        var b = new Swarm.Allocator.NetworkAllocator(managers.Store, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Swarm.Allocator.NetworkAllocator>.Instance);

        async Task<Guid> CreatedAsync(string name)
        {
            var id = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec(name, 5, "back") })).Id;
            await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count == 5, Timeout, $"5 tasks of {name}");
            return id;
        }

        // b reads the leases, then a allocates behind its back: b's next pick is what a just took
        await CreatedAsync("one");
        await b.AllocateAsync([], default);
        await CreatedAsync("two");
        await a.AllocateAsync([], default);
        await CreatedAsync("three");
        await b.AllocateAsync([], default);

        var tasks = await managers.TasksAsync();
        Assert.Equal(15, tasks.Count(t => t.State == TaskState.Pending));
        Assert.Equal(15, tasks.Select(t => t.Address).Distinct().Count());
        var leases = await managers.LeasesAsync();
        Assert.Equal(18, leases.Count);
        Assert.Equal(18, leases.Select(l => l.Address).Distinct().Count());
    }

    [SkippableFact]
    public async Task Addresses_of_ended_tasks_are_released_and_handed_out_again()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "tiny", Subnet = "10.9.0.0/29" } });

        // /29: .2–.6 usable (.1 is the gateway); the VIP takes one, four tasks the others
        var id = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("web", 4, "tiny") })).Id;
        var first = await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count == 4 && t.All(x => x.State == TaskState.Assigned), Timeout, "4 assigned");
        await managers.RunAssignedAsync();

        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 2 });
        await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count(x => x.DesiredState == DesiredState.Remove) == 2, Timeout, "2 told to go");
        await managers.RunAssignedAsync();
        await Eventually.WaitAsync(() => managers.LeasesAsync(LeaseKinds.Task), l => l.Count == 2, Timeout, "2 task addresses released");

        // the subnet is full again only because the released addresses are handed out again
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Replicas = 4 });
        var again = await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count(x => x.DesiredState == DesiredState.Running && x.State >= TaskState.Pending) == 4, Timeout, "4 running again");
        var running = again.Where(t => t.DesiredState == DesiredState.Running).ToList();
        Assert.Equal(4, running.Select(t => t.Address).Distinct().Count());
        Assert.Subset(first.Select(t => t.Address).ToHashSet(), running.Select(t => t.Address).ToHashSet());
    }

    [SkippableFact]
    public async Task Network_commands_and_the_checks_of_service_specs_refuse_with_the_field_and_write_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back", Subnet = "10.7.0.0/16" } });

        var overlap = await RejectedAsync(managers, new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "other", Subnet = "10.7.3.0/24" } });
        Assert.Equal(("conflict", "spec.subnet"), (overlap.Code, overlap.Field));
        Assert.Contains("'back'", overlap.Reason);
        var sameName = await RejectedAsync(managers, new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back" } });
        Assert.Equal(("conflict", "spec.name"), (sameName.Code, sameName.Field));
        var driver = await RejectedAsync(managers, new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "x", Driver = "macvlan" } });
        Assert.Equal(("invalid", "spec.driver"), (driver.Code, driver.Field));

        var unknown = await RejectedAsync(managers, new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("lost", 1, "nowhere") });
        Assert.Equal(("not-found", "spec.networks[0].target"), (unknown.Code, unknown.Field));

        var web = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("web", 1, "back") with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 18080 }] } })).Id;
        var events = await managers.EventCountAsync();
        var taken = await RejectedAsync(managers, new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("copy", 1) with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 18080 }] } });
        Assert.Equal(("conflict", "spec.ports[0].publishedPort"), (taken.Code, taken.Field));
        Assert.Contains("18080", taken.Reason);
        Assert.Contains("'web'", taken.Reason);

        // an update may keep its own port, not take another's
        await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("api", 1) });
        var stolen = await RejectedAsync(managers, new UpdateService { CommandId = Guid.NewGuid(), Service = "api", Spec = Spec("api", 1) with { Ports = [new PortSpec { TargetPort = 1, PublishedPort = 18080, Mode = "host" }] } });
        Assert.Equal(("conflict", "spec.ports[0].publishedPort"), (stolen.Code, stolen.Field));
        await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "web", Spec = Spec("web", 2, "back") with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 18080 }] } });

        var used = await RejectedAsync(managers, new RemoveNetwork { CommandId = Guid.NewGuid(), Network = "back" });
        Assert.Equal("conflict", used.Code);
        Assert.Contains("'web'", used.Reason);
        var ingress = await RejectedAsync(managers, new RemoveNetwork { CommandId = Guid.NewGuid(), Network = "ingress" });
        Assert.Equal("conflict", ingress.Code);

        await using (var query = managers.Store.QuerySession())
        {
            Assert.NotNull(await query.LoadAsync<Network>((await Swarm.EventStore.Queries.NetworkLookup.FindNetworkAsync(query, "back", default)).Value!.Id));
        }

        // the allocator leased web's port and its VIPs (on ingress and back)
        await Eventually.WaitAsync(() => PortLeasesAsync(managers), l => l.Count == 1 && l[0].ServiceId == web, Timeout, "web's port leased");
        Assert.Equal(2, (await managers.LeasesAsync(LeaseKinds.VirtualIp)).Count(l => l.HolderId == web));

        // once the service is gone, its VIPs and port are given back, the network can go, and its name and subnet are free again
        await managers.AcceptedAsync(new RemoveService { CommandId = Guid.NewGuid(), Service = "web" });
        await Eventually.WaitAsync(() => PortLeasesAsync(managers), l => l.Count == 0, Timeout, "web's port released");
        await Eventually.WaitAsync(() => managers.LeasesAsync(LeaseKinds.VirtualIp), l => l.All(x => x.HolderId != web), Timeout, "web's VIPs released");
        await managers.AcceptedAsync(new RemoveNetwork { CommandId = Guid.NewGuid(), Network = "back" });
        await managers.AcceptedAsync(new CreateNetwork { CommandId = Guid.NewGuid(), Spec = new NetworkSpec { Name = "back", Subnet = "10.7.0.0/24" } });
        Assert.True(await managers.EventCountAsync() > events);
    }

    [SkippableFact]
    public async Task An_ingress_port_without_a_number_gets_one_in_range_and_the_tasks_attach_to_ingress()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AddNodeAsync("a");
        var id = (await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("web", 2) with { Ports = [new PortSpec { TargetPort = 80 }] } })).Id;
        var tasks = await Eventually.WaitAsync(() => managers.TasksAsync(id), t => t.Count == 2 && t.All(x => x.State >= TaskState.Pending), Timeout, "2 allocated");

        var service = await ServiceAsync(managers, id);
        var port = Assert.Single(service.Endpoint!.Ports);
        Assert.InRange(port.PublishedPort!.Value, ServiceEndpointPlan.IngressPortFirst, ServiceEndpointPlan.IngressPortLast);
        Assert.All(tasks, t =>
        {
            Assert.Equal(AddressPool.DefaultNetworkId, Assert.Single(t.Networks).NetworkId);
            Assert.Equal(port.PublishedPort, Assert.Single(t.Ports!).PublishedPort);
        });

        // the number is held: another service cannot publish it
        var copy = await RejectedAsync(managers, new CreateService { CommandId = Guid.NewGuid(), Spec = Spec("copy", 1) with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = port.PublishedPort }] } });
        Assert.Equal("conflict", copy.Code);
    }
}
