using Swarm.ControlApi.Contracts;
using Swarm.Domain.Nodes;

namespace Swarm.ControlApi.Nodes;

/// <summary>The answers of <c>/api/nodes</c>, built from the node read model.</summary>
public static class NodeViews
{
    /// <summary>A node as the API shows it; <paramref name="tasks"/> counts the tasks on it that have not ended.</summary>
    public static NodeView From(Node n, int tasks) => new()
    {
        Id = n.Id,
        Hostname = n.Hostname,
        Status = n.Status,
        StatusMessage = n.StatusMessage,
        Availability = n.Availability,
        Role = n.Description.Role,
        Labels = n.AllLabels(),
        AgentLabels = n.Description.Labels,
        OperatorLabels = n.Labels,
        Executor = n.Description.Executor,
        Os = n.Description.Os,
        Architecture = n.Description.Architecture,
        NanoCpus = n.Description.NanoCpus,
        MemoryBytes = n.Description.MemoryBytes,
        Tasks = tasks,
        RegisteredAt = n.RegisteredAt,
        UpdatedAt = n.UpdatedAt,
        Certificate = n.Certificate,
    };
}
