using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Networks;
using Swarm.Domain.Services;

namespace Swarm.Domain.Tests.Services;

public class ServiceClusterChecksTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly Network Ingress = Network.Create(AddressPool.DefaultNetwork(Now));
    private static readonly Network Back = Network.Create(new NetworkCreated { NetworkId = Guid.NewGuid(), Name = "back", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1" });
    private static readonly ServiceSpec Spec = new() { Name = "web", Command = ["httpd"] };

    private static Service Holder(string name, params PortSpec[] ports) =>
        Service.Create(new ServiceCreated { ServiceId = Guid.NewGuid(), Spec = Spec with { Name = name, Ports = ports }, CreatedAt = Now });

    private static Rejection? Check(ServiceSpec spec, Guid? self = null, params Service[] services) => ServiceClusterChecks.Check(spec, self, [Ingress, Back], services);

    [Fact]
    public void Networks_named_by_name_or_id_that_exist_are_accepted()
    {
        Assert.Null(Check(Spec with { Networks = [new NetworkAttachmentSpec { Target = "back" }] }));
        Assert.Null(Check(Spec with { Networks = [new NetworkAttachmentSpec { Target = Back.Id.ToString() }] }));
    }

    [Fact]
    public void An_unknown_network_is_not_found_naming_the_attachment()
    {
        var r = Check(Spec with { Networks = [new NetworkAttachmentSpec { Target = "back" }, new NetworkAttachmentSpec { Target = "nowhere" }] })!;
        Assert.Equal(Rejection.NotFound, r.Code);
        Assert.Equal("spec.networks[1].target", r.Error.Field);
        Assert.Contains("'nowhere'", r.Error.Reason);
    }

    [Fact]
    public void One_network_named_twice_by_name_and_id_is_invalid()
    {
        var r = Check(Spec with { Networks = [new NetworkAttachmentSpec { Target = "back" }, new NetworkAttachmentSpec { Target = Back.Id.ToString() }] })!;
        Assert.Equal(Rejection.Invalid, r.Code);
        Assert.Equal("spec.networks[1].target", r.Error.Field);
    }

    [Fact]
    public void The_ingress_network_is_not_attached_by_name()
    {
        var r = Check(Spec with { Networks = [new NetworkAttachmentSpec { Target = "ingress" }] })!;
        Assert.Equal(Rejection.Invalid, r.Code);
    }

    [Fact]
    public void A_published_ingress_port_held_by_another_service_is_a_conflict_naming_port_and_service()
    {
        var web = Holder("web", new PortSpec { TargetPort = 80, PublishedPort = 8080 });
        var r = Check(Spec with { Name = "other", Ports = [new PortSpec { TargetPort = 81 }, new PortSpec { TargetPort = 80, PublishedPort = 8080 }] }, null, web)!;
        Assert.Equal(Rejection.Conflict, r.Code);
        Assert.Equal("spec.ports[1].publishedPort", r.Error.Field);
        Assert.Contains("8080/tcp", r.Error.Reason);
        Assert.Contains("'web'", r.Error.Reason);
    }

    [Fact]
    public void A_port_number_the_allocator_gave_another_service_is_held_too()
    {
        var web = Holder("web", new PortSpec { TargetPort = 80 }).Apply(new ServiceEndpointAllocated { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 30000, Protocol = "tcp", Mode = "ingress" }] });
        Assert.Equal(Rejection.Conflict, Check(Spec with { Name = "b", Ports = [new PortSpec { TargetPort = 80, PublishedPort = 30000 }] }, null, web)!.Code);
    }

    [Fact]
    public void Other_protocols_removed_services_and_the_service_itself_are_not_in_the_way()
    {
        var web = Holder("web", new PortSpec { TargetPort = 80, PublishedPort = 8080 });
        var spec = Spec with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080 }] };
        Assert.Null(Check(spec, web.Id, web));
        Assert.Null(Check(spec with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080, Protocol = "udp" }] }, null, web));
        Assert.Null(Check(spec, null, web.Apply(new ServiceRemoved { ServiceId = web.Id, Name = "web", RemovedAt = Now })));
    }

    [Fact]
    public void A_host_port_equal_to_another_services_ingress_port_is_refused_but_two_host_ports_are_not()
    {
        var ingress = Holder("web", new PortSpec { TargetPort = 80, PublishedPort = 8080 });
        var host = Holder("edge", new PortSpec { TargetPort = 80, PublishedPort = 9090, Mode = "host" });
        Assert.Equal(Rejection.Conflict, Check(Spec with { Name = "x", Ports = [new PortSpec { TargetPort = 1, PublishedPort = 8080, Mode = "host" }] }, null, ingress)!.Code);
        Assert.Equal(Rejection.Conflict, Check(Spec with { Name = "x", Ports = [new PortSpec { TargetPort = 1, PublishedPort = 9090 }] }, null, host)!.Code);
        Assert.Null(Check(Spec with { Name = "x", Ports = [new PortSpec { TargetPort = 1, PublishedPort = 9090, Mode = "host" }] }, null, host));
    }

    [Fact]
    public void Create_and_update_write_nothing_when_the_cluster_check_refuses()
    {
        var web = Holder("web", new PortSpec { TargetPort = 80, PublishedPort = 8080 });
        var check = (Func<ServiceSpec, Rejection?>)(s => ServiceClusterChecks.Check(s, null, [Ingress, Back], [web]));
        var create = ServiceDecisions.Create(null, Guid.NewGuid(), Spec with { Name = "b", Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080 }] }, null, Now, check);
        Assert.Empty(create.Events);
        Assert.Equal(Rejection.Conflict, create.Rejected!.Code);

        var other = Holder("b");
        var update = ServiceDecisions.Update(other, new UpdateService { Service = "b", Spec = other.Spec with { Networks = [new NetworkAttachmentSpec { Target = "gone" }] } }, Now, s => ServiceClusterChecks.Check(s, other.Id, [Ingress, Back], [web, other]));
        Assert.Empty(update.Events);
        Assert.Equal(Rejection.NotFound, update.Rejected!.Code);
        Assert.Equal("spec.networks[0].target", update.Rejected.Error.Field);

        // a rollback to a spec whose port another service took since
        var rolled = other.Apply(new ServiceUpdated { ServiceId = other.Id, Spec = other.Spec with { Ports = null }, PreviousSpec = other.Spec with { Ports = [new PortSpec { TargetPort = 80, PublishedPort = 8080 }] }, SpecVersion = 2, UpdatedAt = Now });
        var rollback = ServiceDecisions.Rollback(rolled, "b", Now, s => ServiceClusterChecks.Check(s, other.Id, [Ingress, Back], [web, rolled]));
        Assert.Empty(rollback.Events);
        Assert.Equal(Rejection.Conflict, rollback.Rejected!.Code);
        Assert.NotEmpty(ServiceDecisions.Rollback(rolled, "b", Now, s => ServiceClusterChecks.Check(s, other.Id, [Ingress, Back], [rolled])).Events);

        // a scale does not touch the endpoint: not checked again
        Assert.NotEmpty(ServiceDecisions.Update(other, new UpdateService { Service = "b", Replicas = 3 }, Now, _ => new Rejection(Rejection.Conflict, new ValidationError("x", "y"))).Events);
    }
}
