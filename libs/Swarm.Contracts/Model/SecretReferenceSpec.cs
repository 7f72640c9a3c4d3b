namespace Swarm.Contracts.Model;

/// <summary>
/// A service's use of a secret: <c>--secret source=NAME[,target=FILE][,uid=U][,gid=G][,mode=0400]</c>. The value is
/// never here: only the secret's name; the file appears as <c>/run/secrets/&lt;target&gt;</c> in the task.
/// </summary>
public sealed record SecretReferenceSpec
{
    /// <summary>The secret's name.</summary>
    public string Source { get; init; } = "";

    /// <summary>The file's name under <c>/run/secrets</c> (default: <see cref="Source"/>).</summary>
    public string? Target { get; init; }

    public string? Uid { get; init; }
    public string? Gid { get; init; }

    /// <summary>The file's permission bits (default 0444, as Docker's).</summary>
    public uint? Mode { get; init; }
}
