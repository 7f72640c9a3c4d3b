using Swarm.Contracts.Model;

namespace Swarm.Domain.Scheduling;

/// <summary>
/// SwarmKit's pipeline for one task: filters drop nodes that cannot take it, then the survivors are
/// ranked by fewest tasks of this service, then fewest tasks overall.
/// </summary>
public static class NodePicker
{
    public sealed record Result(NodeCandidate? Node, string? Reason);

    public static Result Pick(IReadOnlyCollection<NodeCandidate> nodes)
    {
        if (nodes.Count == 0)
        {
            return new(null, "no suitable node (no nodes registered)");
        }

        var notReady = 0;
        var notActive = 0;
        var eligible = new List<NodeCandidate>();
        foreach (var node in nodes)
        {
            if (node.Status != NodeStatus.Ready)
            {
                notReady++;
            }
            else if (node.Availability != NodeAvailability.Active)
            {
                notActive++;
            }
            else
            {
                eligible.Add(node);
            }
        }

        if (eligible.Count == 0)
        {
            var reasons = new List<string>();
            if (notActive > 0)
            {
                reasons.Add($"{notActive} node{(notActive == 1 ? "" : "s")} not available for new tasks");
            }

            if (notReady > 0)
            {
                reasons.Add($"{notReady} node{(notReady == 1 ? "" : "s")} not ready");
            }

            return new(null, $"no suitable node ({string.Join("; ", reasons)})");
        }

        var best = eligible
            .OrderBy(n => n.ServiceTasks)
            .ThenBy(n => n.TotalTasks)
            .ThenBy(n => n.Hostname, StringComparer.Ordinal)
            .ThenBy(n => n.Id)
            .First();
        return new(best, null);
    }
}
