using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// One line of <c>GET /api/services</c>. <see cref="Replicas"/> is what should run (the replica count,
/// or for global services the tasks that should run); <see cref="Progress"/> is what
/// <c>service ls</c> shows: <c>3/3</c>, <c>global 5/5</c>, <c>job 7/10 completed</c>.
/// </summary>
public sealed record ServiceSummary
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Mode { get; init; } = "replicated";
    public int Replicas { get; init; }
    public int Running { get; init; }

    /// <summary>Jobs: tasks of the current iteration that completed.</summary>
    public int? Completed { get; init; }

    /// <summary>Jobs: tasks that must complete.</summary>
    public int? TotalCompletions { get; init; }

    public string Progress { get; init; } = "";
    public string? Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public UpdateStatusView? UpdateStatus { get; init; }

    /// <summary>Published ports, resolved by the allocator when it has (else as the spec gives them).</summary>
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
