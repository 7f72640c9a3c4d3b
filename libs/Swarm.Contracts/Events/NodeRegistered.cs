using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>An agent registered (first time or again after a restart) with this description.</summary>
public sealed record NodeRegistered
{
    public Guid NodeId { get; init; }
    public NodeDescription Description { get; init; } = new();

    /// <summary>The client certificate the node registered with (null in events written before mutual TLS).</summary>
    public NodeCertificateInfo? Certificate { get; init; }
    public DateTimeOffset At { get; init; }
}
