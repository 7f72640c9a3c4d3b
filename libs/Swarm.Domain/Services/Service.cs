using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

/// <summary>The service aggregate; also the service read model.</summary>
public sealed record Service
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public ServiceSpec Spec { get; init; } = new();
    public ServiceSpec? PreviousSpec { get; init; }
    public long SpecVersion { get; init; }
    public bool Removed { get; init; }

    /// <summary>The last rolling update or rollback, if any.</summary>
    public UpdateStatus? UpdateStatus { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// The W3C traceparent under which the current spec was written (the create, update or rollback
    /// request). Tasks a reconciliation creates without a message to trace them under (the periodic
    /// safety net, start-up) join this trace.
    /// </summary>
    public string? SpecTraceParent { get; init; }

    /// <summary>
    /// Why the orchestrator cannot reconcile the current spec, and since when; cleared when a new spec
    /// is written (update or rollback) or a later reconciliation succeeds.
    /// </summary>
    public ReconcileError? ReconcileError { get; init; }

    /// <summary>Virtual IPs and resolved published ports, as the allocator last gave them (null before).</summary>
    public ServiceEndpoint? Endpoint { get; init; }

    public static Service Create(ServiceCreated e) => new()
    {
        Id = e.ServiceId,
        Name = e.Spec.Name,
        Spec = e.Spec,
        SpecVersion = 1,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.CreatedAt,
    };

    public Service Apply(ServiceUpdated e) => this with
    {
        Spec = e.Spec,
        PreviousSpec = e.PreviousSpec,
        SpecVersion = e.SpecVersion,
        UpdatedAt = e.UpdatedAt,
        ReconcileError = null,
        UpdateStatus = ServiceUpdate.TaskSpecChanged(e.PreviousSpec, e.Spec) || e.PreviousSpec.ForceUpdate != e.Spec.ForceUpdate
            ? new UpdateStatus(UpdateStates.Updating, "update in progress", e.UpdatedAt, null)
            : UpdateStatus,
    };

    public Service Apply(ServiceRolledBack e) => this with
    {
        Spec = e.Spec,
        PreviousSpec = e.PreviousSpec,
        SpecVersion = e.SpecVersion,
        UpdatedAt = e.At,
        ReconcileError = null,
        UpdateStatus = new UpdateStatus(UpdateStates.RollbackStarted, e.Reason, e.At, null),
    };

    public Service Apply(ServiceUpdateStatusChanged e) => this with
    {
        UpdateStatus = new UpdateStatus(
            e.State,
            e.Message,
            UpdateStatus?.StartedAt ?? e.At,
            e.State is UpdateStates.Completed or UpdateStates.RollbackCompleted ? e.At : null),
    };

    public Service Apply(ServiceReconciliationFailed e) => this with { ReconcileError = new ReconcileError(e.Reason, e.At) };

    public Service Apply(ServiceReconciliationRecovered e) => this with { ReconcileError = null };

    public Service Apply(ServiceRemoved e) => this with { Removed = true, UpdatedAt = e.RemovedAt };

    public Service Apply(ServiceEndpointAllocated e) => this with { Endpoint = new ServiceEndpoint(e.VirtualIps, e.Ports) };
}

/// <summary>Why a service's spec cannot be reconciled, as <c>service inspect</c> and <c>service ps</c> show it.</summary>
public sealed record ReconcileError(string Reason, DateTimeOffset Since);

/// <summary>Where a rolling update stands, as <c>service inspect</c> shows it.</summary>
public sealed record UpdateStatus(string State, string Message, DateTimeOffset StartedAt, DateTimeOffset? CompletedAt);

public static class UpdateStates
{
    public const string Updating = "updating";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string RollbackStarted = "rollback_started";
    public const string RollbackPaused = "rollback_paused";
    public const string RollbackCompleted = "rollback_completed";

    public static bool InProgress(string? state) => state is Updating or RollbackStarted;

    public static bool IsRollback(string? state) => state is RollbackStarted or RollbackPaused or RollbackCompleted;
}

/// <summary>A service's virtual IPs (one per attached network, endpoint mode <c>vip</c>) and its published ports with every number resolved.</summary>
public sealed record ServiceEndpoint(IReadOnlyList<VirtualIp> VirtualIps, IReadOnlyList<PortSpec> Ports);
