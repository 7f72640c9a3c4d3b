using Swarm.Contracts.Model;
using Swarm.Domain.Nodes;
using Swarm.Domain.Scheduling;
using Swarm.Domain.Services;

namespace Swarm.Domain.Orchestration.ConstraintEnforcer;

/// <summary>
/// Which nodes a replicated service's tasks must leave (SwarmKit <c>manager/orchestrator/constraintenforcer</c>):
/// removed from the cluster, down, drained, or no longer satisfying the service's constraints (after a label change).
/// </summary>
public static class UnavailableNodes
{
    /// <summary>The nodes among <paramref name="nodes"/> the service's tasks must leave, each with why.</summary>
    public static Dictionary<Guid, string> Of(Service service, IEnumerable<Node> nodes)
    {
        var unavailable = new Dictionary<Guid, string>();
        foreach (var node in nodes)
        {
            if (node.Removed)
            {
                // a removed node is treated as a down one: its agent is cut off (its certificate revoked)
                unavailable[node.Id] = "removed";
            }
            else if (node.Status == NodeStatus.Down)
            {
                unavailable[node.Id] = "down";
            }
            else if (node.Availability == NodeAvailability.Drain)
            {
                unavailable[node.Id] = "drained";
            }
            else if (!Constraint.NodeMatches(service.Spec, node, out var reason))
            {
                unavailable[node.Id] = $"no longer suitable ({reason})";
            }
        }

        return unavailable;
    }
}
