using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Swarm.Dispatcher.Api;
using Swarm.Worker.Exec;
using Swarm.Worker.Exec.Secrets;

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
                Secrets = spec.Secrets.Select(ToModel).ToList(),
                Configs = spec.Configs.Select(ToModel).ToList(),
            }
            : new TaskRunSpec(),
    };

    public static TaskFileReference ToModel(FileReference r) => new()
    {
        Id = r.Id,
        Name = r.Name,
        Target = r.Target,
        Uid = string.IsNullOrEmpty(r.Uid) ? null : r.Uid,
        Gid = string.IsNullOrEmpty(r.Gid) ? null : r.Gid,
        Mode = r.Mode,
    };

    /// <summary>
    /// A value as the agent holds it: the bytes are copied out of the message, and the message's own copy is zeroed
    /// (the message is not used again), so that one copy is left to forget.
    /// </summary>
    public static HeldValue ToModel(SecretValue v)
    {
        var data = v.Data.ToByteArray();
        if (MemoryMarshal.TryGetArray(v.Data.Memory, out var segment) && segment.Array is { } array)
        {
            CryptographicOperations.ZeroMemory(array.AsSpan(segment.Offset, segment.Count));
        }

        return new HeldValue(v.Id, v.Kind == "config" ? ValueKind.Config : ValueKind.Secret, v.Name, data);
    }

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
