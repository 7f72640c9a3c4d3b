using Swarm.Dispatcher.Api;
using Swarm.Contracts.Model;
using Swarm.Domain.Secrets;
using Swarm.Domain.Tasks;
using Swarm.EventStore.Secrets;
using Healthcheck = Swarm.Dispatcher.Api.Healthcheck;
using NetworkAttachment = Swarm.Contracts.Model.NetworkAttachment;
using TaskSpec = Swarm.Dispatcher.Api.TaskSpec;

namespace Swarm.Dispatcher.Tasks;

/// <summary>Maps the task read model to what an agent receives.</summary>
public static class Assignments
{
    /// <summary>
    /// The assignment of <paramref name="task"/>; its secret and config references carry the ids of the values in
    /// <paramref name="secrets"/> (empty ids for names with no live value: the agent does not start such a task).
    /// </summary>
    public static Assignment ToAssignment(SwarmTask task, IReadOnlyDictionary<SecretName, Api.SecretValue>? secrets = null)
    {
        var spec = new TaskSpec
        {
            WorkingDir = task.Spec.WorkingDir ?? "",
            Image = task.Spec.Image ?? "",
        };
        spec.Command.AddRange(task.Spec.Command);
        if (task.Spec.Env is { } env)
        {
            foreach (var (key, value) in env)
            {
                spec.Env[key] = value;
            }
        }

        if (task.Spec.StopGracePeriodSeconds is { } grace)
        {
            spec.StopGracePeriodSeconds = grace;
        }

        AddContainerSettings(spec, task.Spec);
        AddPorts(spec, task.Ports ?? task.Spec.Ports);
        AddNetworks(spec, task.Networks);
        AddFiles(spec, task.Spec, secrets ?? TaskSecrets.None);

        return new Assignment
        {
            TaskId = task.Id.ToString(),
            ServiceId = task.ServiceId.ToString(),
            ServiceName = task.ServiceName,
            Slot = task.Slot,
            Spec = spec,
            DesiredState = ProtocolStates.ToProto(task.DesiredState),
            State = ProtocolStates.ToProto(task.State),
            TraceParent = task.TraceParent ?? "",
            NodeId = task.NodeId?.ToString() ?? "",
        };
    }

    /// <summary>What only container executors use: user, labels, limits, healthcheck.</summary>
    private static void AddContainerSettings(TaskSpec spec, ServiceSpec service)
    {
        spec.User = service.User ?? "";
        if (service.Labels is { } labels)
        {
            foreach (var (key, value) in labels)
            {
                spec.Labels[key] = value;
            }
        }

        if (service.Resources?.Limits is { } limits)
        {
            spec.LimitNanoCpus = limits.NanoCpus ?? 0;
            spec.LimitMemoryBytes = limits.MemoryBytes ?? 0;
        }

        if (service.Healthcheck is { Test.Count: > 0 } check)
        {
            var healthcheck = new Healthcheck();
            healthcheck.Test.AddRange(check.Test);
            if (check.IntervalSeconds is { } interval)
            {
                healthcheck.IntervalSeconds = interval;
            }

            if (check.TimeoutSeconds is { } timeout)
            {
                healthcheck.TimeoutSeconds = timeout;
            }

            if (check.Retries is { } retries)
            {
                healthcheck.Retries = retries;
            }

            if (check.StartPeriodSeconds is { } startPeriod)
            {
                healthcheck.StartPeriodSeconds = startPeriod;
            }

            spec.Healthcheck = healthcheck;
        }
    }

    /// <summary>The resolved ports (the allocator's numbers; the spec's before allocation).</summary>
    private static void AddPorts(TaskSpec spec, IReadOnlyList<PortSpec>? ports)
    {
        foreach (var port in ports ?? [])
        {
            spec.Ports.Add(new PortMapping
            {
                TargetPort = port.TargetPort,
                PublishedPort = port.PublishedPort ?? 0,
                Protocol = string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol,
                Mode = string.IsNullOrEmpty(port.Mode) ? "ingress" : port.Mode,
            });
        }
    }

    /// <summary>The files of the task's secrets and configs: target and mode resolved to their defaults, ids to the values sent.</summary>
    private static void AddFiles(TaskSpec spec, ServiceSpec service, IReadOnlyDictionary<SecretName, Api.SecretValue> values)
    {
        foreach (var secret in service.Secrets ?? [])
        {
            spec.Secrets.Add(File(SecretStore.SecretKind, secret.Source, secret.Target, secret.Uid, secret.Gid, secret.Mode, values));
        }

        foreach (var config in service.Configs ?? [])
        {
            spec.Configs.Add(File(SecretStore.ConfigKind, config.Source, config.Target, config.Uid, config.Gid, config.Mode, values));
        }
    }

    private static FileReference File(string kind, string name, string? target, string? uid, string? gid, uint? mode, IReadOnlyDictionary<SecretName, Api.SecretValue> values) => new()
    {
        Id = values.TryGetValue(new SecretName(kind, name), out var value) ? value.Id : "",
        Name = name,
        Target = SecretRules.TargetOf(name, target),
        Uid = uid ?? "",
        Gid = gid ?? "",
        Mode = mode ?? SecretRules.DefaultMode,
    };

    private static void AddNetworks(TaskSpec spec, IReadOnlyList<NetworkAttachment>? networks)
    {
        foreach (var network in networks ?? [])
        {
            var attachment = new Swarm.Dispatcher.Api.NetworkAttachment
            {
                NetworkId = network.NetworkId.ToString(),
                NetworkName = network.NetworkName,
                Driver = network.Driver,
                Subnet = network.Subnet,
                Gateway = network.Gateway,
                Address = network.Address,
                VirtualIp = network.VirtualIp ?? "",
            };
            attachment.Aliases.AddRange(network.Aliases);
            spec.Networks.Add(attachment);
        }
    }
}
