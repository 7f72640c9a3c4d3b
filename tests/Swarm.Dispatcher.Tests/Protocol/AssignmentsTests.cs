using Swarm.Contracts.Model;
using Swarm.Dispatcher.Tasks;
using Swarm.Domain.Tasks;

namespace Swarm.Dispatcher.Tests.Protocol;

/// <summary>What an agent receives of a task: its network attachments and its resolved ports.</summary>
public sealed class AssignmentsTests
{
    private static readonly Guid FrontId = Guid.NewGuid();

    private static SwarmTask Task(IReadOnlyList<PortSpec>? specPorts, IReadOnlyList<PortSpec>? resolved, IReadOnlyList<NetworkAttachment>? networks = null) => new()
    {
        Id = Guid.NewGuid(),
        ServiceId = Guid.NewGuid(),
        ServiceName = "web",
        State = TaskState.Assigned,
        DesiredState = DesiredState.Running,
        Spec = new ServiceSpec { Name = "web", Image = "busybox", Ports = specPorts },
        Ports = resolved,
        Networks = networks ?? [],
    };

    [Fact]
    public void The_assignment_carries_every_attachment_with_address_gateway_vip_and_aliases()
    {
        var task = Task(null, null,
        [
            new NetworkAttachment
            {
                NetworkId = FrontId, NetworkName = "front", Driver = "overlay", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1",
                Address = "10.0.1.7", VirtualIp = "10.0.1.2", Aliases = ["web", "www"],
            },
            new NetworkAttachment { NetworkId = Guid.Empty, NetworkName = "back", Driver = "bridge", Subnet = "10.0.2.0/24", Gateway = "10.0.2.1", Address = "10.0.2.9", Aliases = ["web"] },
        ]);

        var networks = Assignments.ToAssignment(task).Spec.Networks;

        Assert.Equal(2, networks.Count);
        var front = networks[0];
        Assert.Equal(FrontId.ToString(), front.NetworkId);
        Assert.Equal("front", front.NetworkName);
        Assert.Equal("overlay", front.Driver);
        Assert.Equal("10.0.1.0/24", front.Subnet);
        Assert.Equal("10.0.1.1", front.Gateway);
        Assert.Equal("10.0.1.7", front.Address);
        Assert.Equal("10.0.1.2", front.VirtualIp);
        Assert.Equal(["web", "www"], front.Aliases);
        Assert.Equal("", networks[1].VirtualIp);
        Assert.Equal("10.0.2.9", networks[1].Address);
    }

    [Fact]
    public void Published_ports_are_the_allocators_resolved_numbers_with_their_mode()
    {
        var task = Task(
            [new PortSpec { TargetPort = 80 }, new PortSpec { TargetPort = 53, PublishedPort = 5353, Protocol = "udp", Mode = "host" }],
            [new PortSpec { TargetPort = 80, PublishedPort = 30001 }, new PortSpec { TargetPort = 53, PublishedPort = 5353, Protocol = "udp", Mode = "host" }]);

        var ports = Assignments.ToAssignment(task).Spec.Ports;

        Assert.Equal(2, ports.Count);
        Assert.Equal((80, 30001, "tcp", "ingress"), (ports[0].TargetPort, ports[0].PublishedPort, ports[0].Protocol, ports[0].Mode));
        Assert.Equal((53, 5353, "udp", "host"), (ports[1].TargetPort, ports[1].PublishedPort, ports[1].Protocol, ports[1].Mode));
    }

    [Fact]
    public void Before_allocation_the_specs_ports_are_sent_and_no_network()
    {
        var task = Task([new PortSpec { TargetPort = 80, PublishedPort = 8080 }], null);

        var spec = Assignments.ToAssignment(task).Spec;

        var port = Assert.Single(spec.Ports);
        Assert.Equal((80, 8080, "tcp", "ingress"), (port.TargetPort, port.PublishedPort, port.Protocol, port.Mode));
        Assert.Empty(spec.Networks);
    }

    [Fact]
    public void Secret_and_config_files_carry_the_resolved_ids_default_targets_and_modes()
    {
        var task = Task(null, null) with
        {
            Spec = new ServiceSpec
            {
                Name = "web",
                Image = "busybox",
                Secrets = [new SecretReferenceSpec { Source = "db" }, new SecretReferenceSpec { Source = "gone", Target = "old", Uid = "100", Gid = "101", Mode = 0x100 }],
                Configs = [new ConfigReferenceSpec { Source = "nginx", Target = "/etc/nginx.conf" }],
            },
        };
        var values = new Dictionary<SecretName, Swarm.Dispatcher.Api.SecretValue>
        {
            [new SecretName("secret", "db")] = new() { Id = "id-db", Kind = "secret", Name = "db" },
            [new SecretName("config", "nginx")] = new() { Id = "id-nginx", Kind = "config", Name = "nginx" },
            // a secret of the same name as the config: kinds do not mix
            [new SecretName("secret", "nginx")] = new() { Id = "id-wrong", Kind = "secret", Name = "nginx" },
        };

        var spec = Assignments.ToAssignment(task, values).Spec;

        Assert.Equal(2, spec.Secrets.Count);
        Assert.Equal(("id-db", "db", "db", 0x124u), (spec.Secrets[0].Id, spec.Secrets[0].Name, spec.Secrets[0].Target, spec.Secrets[0].Mode));
        Assert.Equal(("", "gone", "old", "100", "101", 0x100u), (spec.Secrets[1].Id, spec.Secrets[1].Name, spec.Secrets[1].Target, spec.Secrets[1].Uid, spec.Secrets[1].Gid, spec.Secrets[1].Mode));
        var config = Assert.Single(spec.Configs);
        Assert.Equal(("id-nginx", "/etc/nginx.conf", 0x124u), (config.Id, config.Target, config.Mode));
    }

    [Fact]
    public void Only_the_names_tasks_reference_are_looked_up()
    {
        var plain = Task(null, null);
        var withSecret = plain with { Spec = plain.Spec with { Secrets = [new SecretReferenceSpec { Source = "db" }], Configs = [new ConfigReferenceSpec { Source = "db" }] } };

        Assert.Empty(TaskSecrets.NamesOf([plain, plain]));
        Assert.Equal([new SecretName("config", "db"), new SecretName("secret", "db")], TaskSecrets.NamesOf([plain, withSecret, withSecret]).OrderBy(n => n.Kind));
    }
}
