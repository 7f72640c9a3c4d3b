namespace Swarm.Domain.Services;

/// <summary>What is wrong with an input: the field (JSON path, e.g. <c>spec.replicas</c>) and why.</summary>
public sealed record ValidationError(string Field, string Reason)
{
    public override string ToString() => $"{Field}: {Reason}";
}
