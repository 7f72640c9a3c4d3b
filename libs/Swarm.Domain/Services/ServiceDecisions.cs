using System.Text.Json;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Events;
using Swarm.Contracts.Model;

namespace Swarm.Domain.Services;

/// <summary>
/// Pure decisions on one service: each takes the service as it is in the log (null when its stream
/// does not exist) and returns the events to append, nothing when it is already as asked, or a
/// rejection naming the field at fault.
/// </summary>
public static class ServiceDecisions
{
    /// <summary>
    /// Creates the service <paramref name="serviceId"/> (derived from the command, so a redelivered
    /// command decides again on the same stream). <paramref name="nameHeldBy"/> is the service that
    /// holds the spec's name, if any: a create whose stream already exists and still holds its name
    /// was already done.
    /// </summary>
    /// <param name="clusterCheck">Checks against the cluster (networks exist, ports are free; see <see cref="ServiceClusterChecks"/>), run on the validated spec.</param>
    public static Decision Create(Service? current, Guid serviceId, ServiceSpec? spec, Guid? nameHeldBy, DateTimeOffset now, Func<ServiceSpec, Rejection?>? clusterCheck = null)
    {
        if (ServiceSpecValidator.Validate(spec) is { } error)
        {
            return Decision.Invalid(error);
        }

        var normalized = ServiceSpecValidator.Normalize(spec!);
        if (current is not null && nameHeldBy == serviceId)
        {
            return Decision.Unchanged;
        }

        if (current is not null || nameHeldBy is not null)
        {
            return Decision.Conflict("spec.name", $"a service named '{normalized.Name}' already exists");
        }

        if (clusterCheck?.Invoke(normalized) is { } refused)
        {
            return Decision.Reject(refused.Code, refused.Error);
        }

        return Decision.Append(new ServiceCreated { ServiceId = serviceId, Spec = normalized, CreatedAt = now });
    }

    /// <summary>
    /// Changes the spec as <paramref name="command"/> asks, merged into the spec as it is now (a
    /// concurrent update is not undone by merging into an older one); refused when the client's view
    /// (<see cref="UpdateService.ExpectedVersion"/>) is out of date. An update that changes nothing
    /// appends nothing.
    /// </summary>
    /// <param name="clusterCheck">Checks against the cluster (see <see cref="ServiceClusterChecks"/>), run when the networks, ports or endpoint mode change.</param>
    public static Decision Update(Service? current, UpdateService command, DateTimeOffset now, Func<ServiceSpec, Rejection?>? clusterCheck = null)
    {
        if (current is null)
        {
            return NotFound(command.Service);
        }

        if (command.Spec is { } replacement && replacement.Name != current.Name)
        {
            return Decision.Invalid("spec.name", "a service's name cannot be changed");
        }

        if (current.Removed)
        {
            return NotFound(command.Service);
        }

        if (command.ExpectedVersion is { } expected && expected != current.SpecVersion)
        {
            return Decision.Conflict("version",
                $"service '{current.Name}' is at spec version {current.SpecVersion}, not {expected}: it changed since it was read; read it again and retry");
        }

        var merged = ServiceUpdate.Merge(current.Spec, command) with { Name = current.Name };
        if (ServiceSpecValidator.Validate(merged) is { } error)
        {
            return Decision.Invalid(error);
        }

        merged = ServiceSpecValidator.Normalize(merged);
        if (JsonSerializer.Serialize(current.Spec) == JsonSerializer.Serialize(merged))
        {
            return Decision.Unchanged;
        }

        if (clusterCheck is not null && EndpointChanged(current.Spec, merged) && clusterCheck(merged) is { } refused)
        {
            return Decision.Reject(refused.Code, refused.Error);
        }

        return Decision.Append(new ServiceUpdated
        {
            ServiceId = current.Id,
            Spec = merged,
            PreviousSpec = current.Spec,
            SpecVersion = current.SpecVersion + 1,
            UpdatedAt = now,
        });
    }

    /// <summary><c>service update --rollback</c>: back to the previous spec, replaced per the rollback config.</summary>
    /// <param name="clusterCheck">Checks the previous spec against the cluster when its endpoint differs (a port it published may be another service's now).</param>
    public static Decision Rollback(Service? current, string reference, DateTimeOffset now, Func<ServiceSpec, Rejection?>? clusterCheck = null)
    {
        if (current is not { Removed: false, PreviousSpec: { } previous })
        {
            return Decision.Invalid("rollback", $"service '{current?.Name ?? reference}' has no previous spec to roll back to");
        }

        if (clusterCheck is not null && EndpointChanged(current.Spec, previous) && clusterCheck(previous) is { } refused)
        {
            return Decision.Reject(refused.Code, refused.Error);
        }

        return Decision.Append(new ServiceRolledBack
        {
            ServiceId = current.Id,
            Spec = previous,
            PreviousSpec = current.Spec,
            SpecVersion = current.SpecVersion + 1,
            Manual = true,
            Reason = "rollback requested",
            At = now,
        });
    }

    /// <summary>Removes the service (its tasks are then shut down and reaped by reconciliation).</summary>
    public static Decision Remove(Service? current, string reference, DateTimeOffset now) =>
        current is { Removed: false }
            ? Decision.Append(new ServiceRemoved { ServiceId = current.Id, Name = current.Name, RemovedAt = now })
            : NotFound(reference);

    /// <summary>The spec version the service is at once <paramref name="decision"/> is appended.</summary>
    public static long SpecVersionAfter(Service current, Decision decision) =>
        decision.Events.LastOrDefault() switch
        {
            ServiceUpdated updated => updated.SpecVersion,
            ServiceRolledBack rolledBack => rolledBack.SpecVersion,
            _ => current.SpecVersion,
        };

    /// <summary>Whether the networks, published ports or endpoint mode differ between two specs.</summary>
    public static bool EndpointChanged(ServiceSpec before, ServiceSpec after) =>
        JsonSerializer.Serialize(before.Networks) != JsonSerializer.Serialize(after.Networks)
        || JsonSerializer.Serialize(before.Ports) != JsonSerializer.Serialize(after.Ports)
        || before.EndpointMode != after.EndpointMode;

    private static Decision NotFound(string reference) => Decision.NotFound("service", $"no service '{reference}'");
}
