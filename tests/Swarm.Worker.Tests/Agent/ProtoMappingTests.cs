using Swarm.Dispatcher.Api;
using Swarm.Worker.Agent;
using Swarm.Worker.Exec;
using ModelDesiredState = Swarm.Contracts.Model.DesiredState;
using ModelTaskState = Swarm.Contracts.Model.TaskState;

namespace Swarm.Worker.Tests.Agent;

/// <summary>What the agent reads from an assignment and writes into a status update.</summary>
public sealed class ProtoMappingTests
{
    [Fact]
    public void An_assignment_and_a_status_update_keep_their_states()
    {
        var assignment = ProtoMapping.ToModel(new Assignment { TaskId = "t", DesiredState = DesiredState.Shutdown, State = TaskState.Running });
        Assert.Equal(ModelDesiredState.Shutdown, assignment.DesiredState);
        Assert.Equal(ModelTaskState.Running, assignment.State);

        var update = ProtoMapping.ToProto(new StatusUpdate("t", ModelTaskState.Failed, "exited", "boom", 3, DateTimeOffset.UnixEpoch));
        Assert.Equal(TaskState.Failed, update.State);
        Assert.Equal(3, update.ExitCode);
    }

    [Fact]
    public void An_assignment_brings_its_network_attachments_and_its_ports_with_their_modes()
    {
        var spec = new TaskSpec { Image = "busybox" };
        spec.Ports.Add(new PortMapping { TargetPort = 80, PublishedPort = 30007, Protocol = "tcp", Mode = "ingress" });
        spec.Ports.Add(new PortMapping { TargetPort = 53, PublishedPort = 5353, Protocol = "UDP", Mode = "host" });
        spec.Ports.Add(new PortMapping { TargetPort = 81 });
        var front = new NetworkAttachment { NetworkId = "n1", NetworkName = "front", Driver = "overlay", Subnet = "10.0.1.0/24", Gateway = "10.0.1.1", Address = "10.0.1.5", VirtualIp = "10.0.1.2" };
        front.Aliases.Add("web");
        front.Aliases.Add("www");
        spec.Networks.Add(front);
        spec.Networks.Add(new NetworkAttachment { NetworkId = "n2", NetworkName = "back", Subnet = "10.0.2.0/24", Address = "10.0.2.5" });

        var model = ProtoMapping.ToModel(new Assignment { TaskId = "t", Spec = spec, DesiredState = DesiredState.Running, State = TaskState.Assigned }).Spec;

        Assert.Equal([new TaskPort(80, 30007, "tcp", "ingress"), new TaskPort(53, 5353, "udp", "host"), new TaskPort(81, 0, "tcp", "ingress")], model.Ports);
        Assert.True(model.Ports[1].IsHost && model.Ports[1].IsUdp);
        Assert.Equal(2, model.Networks.Count);
        Assert.Equal(("n1", "front", "overlay", "10.0.1.0/24", "10.0.1.1", "10.0.1.5", "10.0.1.2"), (model.Networks[0].NetworkId, model.Networks[0].NetworkName, model.Networks[0].Driver, model.Networks[0].Subnet, model.Networks[0].Gateway, model.Networks[0].Address, model.Networks[0].VirtualIp));
        Assert.Equal(["web", "www"], model.Networks[0].Aliases);
        Assert.Null(model.Networks[1].VirtualIp);
    }
}
