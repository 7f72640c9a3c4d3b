namespace Swarm.Contracts.Model;

/// <summary>
/// What the allocator gave a task on one network: the network itself, the task's address, the
/// service's virtual IP there and the names the task answers to. Carried to the agent in the assignment.
/// </summary>
public sealed record NetworkAttachment
{
    public Guid NetworkId { get; init; }
    public string NetworkName { get; init; } = "";
    public string Driver { get; init; } = "overlay";
    public string Subnet { get; init; } = "";
    public string Gateway { get; init; } = "";

    /// <summary>The task's address on the network (no prefix length).</summary>
    public string Address { get; init; } = "";

    /// <summary>The service's virtual IP on the network (endpoint mode <c>vip</c>); null for <c>dnsrr</c>.</summary>
    public string? VirtualIp { get; init; }

    /// <summary>Names the task answers to: the service name, then the attachment's aliases.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}
