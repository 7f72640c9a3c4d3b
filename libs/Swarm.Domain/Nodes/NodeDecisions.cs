using Swarm.Contracts.Events;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;

namespace Swarm.Domain.Nodes;

public static class NodeDecisions
{
    public static NodeStatusChanged? ChangeStatus(Node? node, Guid nodeId, NodeStatus status, string message, DateTimeOffset now) =>
        node is null || node.Status != status
            ? new NodeStatusChanged { NodeId = nodeId, Status = status, Message = message, At = now }
            : null;

    public static NodeSpecUpdated? UpdateSpec(Node node, NodeAvailability? availability, IReadOnlyDictionary<string, string>? add, IReadOnlyList<string>? remove, DateTimeOffset now)
    {
        var labels = new Dictionary<string, string>(node.Labels);
        foreach (var key in remove ?? [])
        {
            labels.Remove(key);
        }

        foreach (var (k, v) in add ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        var newAvailability = availability ?? node.Availability;
        var sameLabels = labels.Count == node.Labels.Count && labels.All(kv => node.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        return newAvailability == node.Availability && sameLabels
            ? null
            : new NodeSpecUpdated { NodeId = node.Id, Availability = newAvailability, Labels = labels, At = now };
    }

    /// <summary>
    /// Removes a node from the cluster (<c>node rm</c>), as Docker does: a node that is still ready is refused
    /// unless <paramref name="force"/> (its agent is alive and would keep running tasks the cluster moves
    /// elsewhere); a node that does not exist or was removed already is not found. <paramref name="reference"/>
    /// is how the command named the node, for the answer.
    /// </summary>
    public static Decision Remove(Node? node, string reference, bool force, DateTimeOffset now)
    {
        if (node is null || node.Removed)
        {
            return Decision.NotFound("node", $"no node '{reference}'");
        }

        if (node.Status == NodeStatus.Ready && !force)
        {
            return Decision.Conflict("node", $"node {node.Hostname} is ready: drain it and stop its agent first, or use --force");
        }

        return Decision.Append(new NodeRemoved { NodeId = node.Id, Hostname = node.Hostname, Forced = node.Status == NodeStatus.Ready, At = now });
    }
}
