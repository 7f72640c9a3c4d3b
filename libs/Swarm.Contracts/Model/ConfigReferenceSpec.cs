namespace Swarm.Contracts.Model;

/// <summary>
/// A service's use of a config: <c>--config source=NAME[,target=PATH][,uid=U][,gid=G][,mode=0444]</c>. The target is a
/// file name (placed at <c>/&lt;target&gt;</c>) or an absolute path; default <see cref="Source"/>.
/// </summary>
public sealed record ConfigReferenceSpec
{
    /// <summary>The config's name.</summary>
    public string Source { get; init; } = "";

    public string? Target { get; init; }
    public string? Uid { get; init; }
    public string? Gid { get; init; }

    /// <summary>The file's permission bits (default 0444).</summary>
    public uint? Mode { get; init; }
}
