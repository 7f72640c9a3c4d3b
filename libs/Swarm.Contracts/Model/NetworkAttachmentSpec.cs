namespace Swarm.Contracts.Model;

/// <summary>A service's attachment to a network: <c>--network NAME[,alias=A]</c>.</summary>
public sealed record NetworkAttachmentSpec
{
    /// <summary>The network's name or id.</summary>
    public string Target { get; init; } = "";

    /// <summary>Extra names the service's tasks answer to on that network (the service name always does).</summary>
    public IReadOnlyList<string>? Aliases { get; init; }
}
