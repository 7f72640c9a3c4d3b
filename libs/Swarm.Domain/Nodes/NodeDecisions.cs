using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

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
}
