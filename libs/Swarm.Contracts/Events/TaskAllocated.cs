using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>
/// The allocator gave the task its addresses on every network its service is attached to (none when it
/// has no network) and resolved its published ports; the task is now <c>pending</c>.
/// <see cref="NetworkId"/> and <see cref="Address"/> repeat the first attachment, as before networks had names.
/// </summary>
public sealed record TaskAllocated
{
    public Guid TaskId { get; init; }
    public Guid ServiceId { get; init; }
    public Guid NetworkId { get; init; }
    public string Address { get; init; } = "";
    public DateTimeOffset AllocatedAt { get; init; }

    public IReadOnlyList<NetworkAttachment>? Networks { get; init; }

    /// <summary>The service's published ports with every ingress number resolved.</summary>
    public IReadOnlyList<PortSpec>? Ports { get; init; }
}
