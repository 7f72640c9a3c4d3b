using System.Text.Json;
using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
using Swarm.Domain.Tasks;

namespace Swarm.ControlApi.Tasks;

/// <summary>The answers of <c>/api/tasks</c>, built from the task read model.</summary>
public static class TaskViews
{
    /// <summary>One line of a task list; <paramref name="hostname"/> is the node's, if the task was assigned.</summary>
    public static TaskSummary Summary(SwarmTask t, string? hostname) => new()
    {
        Id = t.Id,
        Name = $"{t.ServiceName}.{t.Slot}",
        Service = t.ServiceName,
        ServiceId = t.ServiceId,
        Slot = t.Slot,
        Attempt = t.Attempt,
        Node = hostname,
        NodeId = t.NodeId,
        State = t.State,
        DesiredState = t.DesiredState,
        Message = t.Message,
        Error = t.Error,
        ExitCode = t.ExitCode,
        Address = t.Address,
        Networks = Networks(t),
        Ports = Ports(t),
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
    };

    /// <summary><c>GET /api/tasks/{id}</c>: the task with its spec and the events of its stream.</summary>
    public static TaskDetail Detail(SwarmTask t, string? hostname, IReadOnlyList<TaskHistoryEntry> history) => new()
    {
        Id = t.Id,
        Name = $"{t.ServiceName}.{t.Slot}",
        Service = t.ServiceName,
        ServiceId = t.ServiceId,
        Slot = t.Slot,
        Attempt = t.Attempt,
        Node = hostname,
        NodeId = t.NodeId,
        State = t.State,
        DesiredState = t.DesiredState,
        Message = t.Message,
        Error = t.Error,
        ExitCode = t.ExitCode,
        Address = t.Address,
        NetworkId = t.NetworkId,
        Networks = Networks(t),
        Ports = Ports(t),
        SpecVersion = t.SpecVersion,
        Spec = t.Spec,
        StartAfter = t.StartAfter,
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
        History = history,
    };

    /// <summary>The task's attachments (none before allocation).</summary>
    public static IReadOnlyList<TaskNetworkView> Networks(SwarmTask t) => (t.Networks ?? []).Select(n => new TaskNetworkView
    {
        NetworkId = n.NetworkId,
        NetworkName = n.NetworkName,
        Address = n.Address,
        VirtualIp = n.VirtualIp,
        Aliases = n.Aliases,
    }).ToList();

    /// <summary>The ports as the allocator resolved them, else (before allocation) as the spec gives them.</summary>
    public static IReadOnlyList<PortSpec> Ports(SwarmTask t) => t.Ports ?? t.Spec.Ports ?? [];

    /// <summary>One event of a task's stream; the event is written with the API's own JSON settings.</summary>
    public static TaskHistoryEntry HistoryEntry(long version, long sequence, DateTimeOffset timestamp, string type, string summary, object data, JsonSerializerOptions json) => new()
    {
        Version = version,
        Sequence = sequence,
        Timestamp = timestamp,
        Type = type,
        Summary = summary,
        Data = JsonSerializer.SerializeToElement(data, data.GetType(), json),
    };
}

/// <summary>Filters of a task list; null means any.</summary>
public sealed record TaskFilter(Guid? ServiceId = null, Guid? NodeId = null, DesiredState? DesiredState = null);
