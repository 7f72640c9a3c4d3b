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
        };
    }

    /// <summary>Whether two specs differ in what a running task is made from (replica count aside).</summary>
    public static bool TaskSpecChanged(ServiceSpec a, ServiceSpec b) =>
        a.Image != b.Image
        || !a.Command.SequenceEqual(b.Command)
        || a.WorkingDir != b.WorkingDir
        || !SameMap(a.Env, b.Env)
        || a.StopGracePeriodSeconds != b.StopGracePeriodSeconds;

    private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b)
    {
        a ??= new Dictionary<string, string>();
        b ??= new Dictionary<string, string>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
