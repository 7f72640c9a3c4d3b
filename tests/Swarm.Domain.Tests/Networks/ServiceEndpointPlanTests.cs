using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;
using Swarm.Domain.Tasks;

namespace Swarm.Domain.Tests.Networks;

public class ServiceEndpointPlanTests
{
    private static readonly Network Ingress = Network.Create(AddressPool.DefaultNetwork(DateTimeOffset.UnixEpoch));
    private static readonly Network Back = Network.Create(new NetworkCreated { NetworkId = Guid.NewGuid(), Name = "back", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1" });
    private static readonly ServiceSpec Spec = new() { Name = "web", Command = ["httpd"] };

    [Fact]
    public void A_service_publishing_an_ingress_port_is_attached_to_ingress_first_then_to_its_networks()
    {
        var attachments = ServiceEndpointPlan.Attachments(Spec with { Networks = [new NetworkAttachmentSpec { Target = "back", Aliases = ["www"] }], Ports = [new PortSpec { TargetPort = 80 }] }, [Ingress, Back], out var missing);
        Assert.Equal(["ingress", "back"], attachments.Select(a => a.Network.Name));
        Assert.Equal(["www"], attachments[1].Aliases);
        Assert.Empty(missing);
    }

    [Fact]
    public void Host_mode_ports_and_no_networks_attach_nothing()
    {
        Assert.Empty(ServiceEndpointPlan.Attachments(Spec, [Ingress, Back], out _));
        Assert.Empty(ServiceEndpointPlan.Attachments(Spec with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 80, Mode = "host" }] }, [Ingress, Back], out _));
    }

    [Fact]
    public void Ingress_ports_without_a_number_get_one_and_keep_it_across_a_later_resolution()
    {
        var spec = Spec with { Ports = [new PortSpec { TargetPort = 80 }, new PortSpec { TargetPort = 443, PublishedPort = 8443 }, new PortSpec { TargetPort = 22, PublishedPort = 2222, Mode = "host" }] };
        var next = 30000;
        var first = ServiceEndpointPlan.ResolvePorts(spec, null, _ => next++);
        Assert.Equal([30000, 8443, 2222], first.Select(p => p.PublishedPort!.Value));
        Assert.Equal(["ingress", "ingress", "host"], first.Select(p => p.Mode));
        Assert.All(first, p => Assert.Equal("tcp", p.Protocol));

        var again = ServiceEndpointPlan.ResolvePorts(spec, first, _ => next++);
        Assert.Equal(first, again);
        Assert.True(ServiceEndpointPlan.IsCurrent(new ServiceEndpoint([new VirtualIp(Ingress.Id, "10.0.0.2")], first), spec, [Ingress.Id]));
    }

    [Fact]
    public void An_endpoint_is_stale_when_networks_ports_or_the_endpoint_mode_change()
    {
        var spec = Spec with { Networks = [new NetworkAttachmentSpec { Target = "back" }] };
        var endpoint = new ServiceEndpoint([new VirtualIp(Back.Id, "10.0.1.2")], []);
        Assert.True(ServiceEndpointPlan.IsCurrent(endpoint, spec, [Back.Id]));
        Assert.False(ServiceEndpointPlan.IsCurrent(null, spec, [Back.Id]));
        Assert.False(ServiceEndpointPlan.IsCurrent(endpoint, spec, [Back.Id, Ingress.Id]));
        Assert.False(ServiceEndpointPlan.IsCurrent(endpoint, spec with { EndpointMode = "dnsrr" }, [Back.Id]));
        Assert.True(ServiceEndpointPlan.IsCurrent(new ServiceEndpoint([], []), spec with { EndpointMode = "dnsrr" }, [Back.Id]));
        Assert.False(ServiceEndpointPlan.IsCurrent(endpoint, spec with { Ports = [new PortSpec { TargetPort = 80 }] }, [Back.Id]));
    }

    [Fact]
    public void A_task_allocation_repeats_its_first_attachment_and_carries_its_ports()
    {
        var task = SwarmTask.Create(new TaskCreated { TaskId = Guid.NewGuid(), ServiceId = Guid.NewGuid(), ServiceName = "web", Spec = Spec, DesiredState = DesiredState.Running });
        var attachment = new NetworkAttachment { NetworkId = Back.Id, NetworkName = "back", Address = "10.0.1.7", Aliases = ["web"] };
        var e = TaskDecisions.Allocate(task, [attachment], [new PortSpec { TargetPort = 80, PublishedPort = 30000 }], DateTimeOffset.UnixEpoch)!;
        Assert.Equal(Back.Id, e.NetworkId);
        Assert.Equal("10.0.1.7", e.Address);
        Assert.Equal([attachment], e.Networks);

        var none = TaskDecisions.Allocate(task, [], null, DateTimeOffset.UnixEpoch)!;
        Assert.Equal(Guid.Empty, none.NetworkId);
        Assert.Equal("", none.Address);
        Assert.Empty(none.Networks!);
        Assert.Empty(task.Apply(none).Networks);
    }
}
