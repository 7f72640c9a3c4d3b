using Google.Protobuf.WellKnownTypes;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Exec;

namespace Swarm.Worker.Agent;

/// <summary>Between the wire messages and the agent's own model.</summary>
internal static class ProtoMapping
{
    public static TaskAssignment ToModel(Assignment a) => new()
    {
        TaskId = a.TaskId,
        ServiceId = a.ServiceId,
        ServiceName = a.ServiceName,
        Slot = a.Slot,
        DesiredState = ProtocolStates.ToModel(a.DesiredState),
        State = ProtocolStates.ToModel(a.State),
        TraceParent = string.IsNullOrEmpty(a.TraceParent) ? null : a.TraceParent,
        NodeId = a.NodeId,
        Spec = a.Spec is { } spec
            ? new TaskRunSpec
            {
                Command = spec.Command.ToList(),
                Env = new Dictionary<string, string>(spec.Env),
                WorkingDir = string.IsNullOrEmpty(spec.WorkingDir) ? null : spec.WorkingDir,
                StopGracePeriodSeconds = spec.HasStopGracePeriodSeconds ? spec.StopGracePeriodSeconds : null,
                Image = string.IsNullOrEmpty(spec.Image) ? null : spec.Image,
                User = string.IsNullOrEmpty(spec.User) ? null : spec.User,
                Labels = new Dictionary<string, string>(spec.Labels),
                LimitNanoCpus = spec.LimitNanoCpus,
                LimitMemoryBytes = spec.LimitMemoryBytes,
                Healthcheck = spec.Healthcheck is { Test.Count: > 0 } check
                    ? new TaskHealthcheck
                    {
                        Test = check.Test.ToList(),
                        Interval = check.HasIntervalSeconds ? TimeSpan.FromSeconds(check.IntervalSeconds) : null,
                        Timeout = check.HasTimeoutSeconds ? TimeSpan.FromSeconds(check.TimeoutSeconds) : null,
                        Retries = check.HasRetries ? check.Retries : null,
                        StartPeriod = check.HasStartPeriodSeconds ? TimeSpan.FromSeconds(check.StartPeriodSeconds) : null,
                    }
                    : null,
                Ports = spec.Ports
                    .Select(p => new TaskPort(
                        p.TargetPort,
                        p.PublishedPort,
                        string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol.ToLowerInvariant(),
                        string.IsNullOrEmpty(p.Mode) ? "ingress" : p.Mode.ToLowerInvariant()))
                    .ToList(),
                Networks = spec.Networks
                    .Select(n => new TaskNetwork
                    {
                        NetworkId = n.NetworkId,
                        NetworkName = n.NetworkName,
                        Driver = n.Driver,
                        Subnet = n.Subnet,
                        Gateway = n.Gateway,
                        Address = n.Address,
                        VirtualIp = string.IsNullOrEmpty(n.VirtualIp) ? null : n.VirtualIp,
                        Aliases = n.Aliases.ToList(),
                    })
                    .ToList(),
            }
            : new TaskRunSpec(),
    };

    public static TaskStatusUpdate ToProto(StatusUpdate u)
    {
        var update = new TaskStatusUpdate
        {
            TaskId = u.TaskId,
            State = ProtocolStates.ToProto(u.State),
            Message = u.Message,
            Error = u.Error ?? "",
            Timestamp = Timestamp.FromDateTimeOffset(u.At),
        };
        if (u.ExitCode is { } code)
        {
            update.ExitCode = code;
        }

        return update;
    }
}
