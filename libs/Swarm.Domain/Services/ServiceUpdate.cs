using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

public static class ServiceUpdate
{
    /// <summary>The spec an <see cref="UpdateService"/> asks for, given the current one.</summary>
    public static ServiceSpec Merge(ServiceSpec current, UpdateService command)
    {
        var spec = command.Spec ?? current;
        return spec with
        {
            Replicas = command.Replicas ?? spec.Replicas,
            Image = command.Image ?? spec.Image,
            Command = command.Command ?? spec.Command,
            Env = command.Env ?? spec.Env,
            RestartPolicy = command.RestartPolicy ?? spec.RestartPolicy,
            StopGracePeriodSeconds = command.StopGracePeriodSeconds ?? spec.StopGracePeriodSeconds,
            UpdateConfig = command.UpdateConfig ?? spec.UpdateConfig,
            RollbackConfig = command.RollbackConfig ?? spec.RollbackConfig,
            ForceUpdate = command.Force ? current.ForceUpdate + 1 : spec.ForceUpdate,
        };
    }

    /// <summary>
    /// Whether two specs differ in what a running task is made from. Replica counts, job sizes,
    /// update settings, labels and placement do not make a task dirty (placement is enforced per node).
    /// </summary>
    public static bool TaskSpecChanged(ServiceSpec a, ServiceSpec b) =>
        System.Text.Json.JsonSerializer.Serialize(TaskPart(a)) != System.Text.Json.JsonSerializer.Serialize(TaskPart(b));

    private static ServiceSpec TaskPart(ServiceSpec spec) => spec with
    {
        Name = "",
        Replicas = null,
        TotalCompletions = null,
        MaxConcurrent = null,
        UpdateConfig = null,
        RollbackConfig = null,
        Labels = null,
        Placement = null,
        // no secrets and an empty list of them are the same task
        Secrets = spec.Secrets is { Count: 0 } ? null : spec.Secrets,
        Configs = spec.Configs is { Count: 0 } ? null : spec.Configs,
        Env = spec.Env is null ? null : new SortedDictionary<string, string>(spec.Env.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
    };
}
