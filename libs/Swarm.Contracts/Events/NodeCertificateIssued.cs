using Swarm.Contracts.Model;

namespace Swarm.Contracts.Events;

/// <summary>The cluster CA issued a node a certificate (on join or renewal). Only public facts: no key, no token.</summary>
public sealed record NodeCertificateIssued
{
    public Guid NodeId { get; init; }
    public NodeCertificateInfo Certificate { get; init; } = new();

    /// <summary>join or renew.</summary>
    public string Reason { get; init; } = "";
    public DateTimeOffset At { get; init; }
}
