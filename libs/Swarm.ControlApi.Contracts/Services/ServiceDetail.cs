using Swarm.Contracts.Model;

namespace Swarm.ControlApi.Contracts;

/// <summary>
/// <c>GET /api/services/{nameOrId}</c>: the service with its whole spec. <see cref="Running"/> counts
/// tasks running and meant to run; <see cref="Completed"/> and <see cref="TotalCompletions"/> are set
/// for jobs (as in <see cref="ServiceSummary"/>); <see cref="TaskStates"/> counts the current tasks
/// (desired state running or ready) by observed state.
/// </summary>
public sealed record ServiceDetail
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Mode { get; init; } = "replicated";
    public int Replicas { get; init; }
    public int Running { get; init; }
    public int? Completed { get; init; }
    public int? TotalCompletions { get; init; }
    public IReadOnlyDictionary<string, int> TaskStates { get; init; } = new Dictionary<string, int>();
    public long SpecVersion { get; init; }
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec? PreviousSpec { get; init; }

    /// <summary>The spec's networks, each with the network it names.</summary>
    public IReadOnlyList<ServiceNetworkView> Networks { get; init; } = [];

    /// <summary><c>vip</c> (the spec's default) or <c>dnsrr</c>.</summary>
    public string EndpointMode { get; init; } = "vip";

    /// <summary>Virtual IPs and resolved ports, as the allocator last gave them; null before it did.</summary>
    public ServiceEndpointView? Endpoint { get; init; }
    public UpdateStatusView? UpdateStatus { get; init; }
    public string Progress { get; init; } = "";

    /// <summary>Why the orchestrator cannot reconcile the current spec (null when it can), and since when.</summary>
    public string? ReconcileError { get; init; }
    public DateTimeOffset? ReconcileErrorSince { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
