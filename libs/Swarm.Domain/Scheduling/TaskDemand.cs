using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>What one task of a spec takes from its node: reservations and host-mode ports.</summary>
public sealed record TaskDemand(long NanoCpus, long MemoryBytes, string[] GenericNames, long[] GenericCounts, int[] HostPorts)
{
    public static readonly TaskDemand None = new(0, 0, [], [], []);

    public static TaskDemand Of(ServiceSpec spec)
    {
        var reservations = spec.Resources?.Reservations;
        var ports = Scheduling.HostPorts.Of(spec);
        if (reservations is null && ports.Length == 0)
        {
            return None;
        }

        var generic = reservations?.Generic?.Where(g => g.Value > 0).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray() ?? [];
        return new(
            Math.Max(0, reservations?.NanoCpus ?? 0),
            Math.Max(0, reservations?.MemoryBytes ?? 0),
            [.. generic.Select(g => g.Key)],
            [.. generic.Select(g => g.Value)],
            ports);
    }

    public bool ReservesResources => NanoCpus > 0 || MemoryBytes > 0 || GenericNames.Length > 0;
}
