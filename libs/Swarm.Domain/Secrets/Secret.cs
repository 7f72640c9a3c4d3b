using Swarm.Contracts.Events;

namespace Swarm.Domain.Secrets;

/// <summary>A secret's metadata (the read model of its stream); the value is never part of it.</summary>
public sealed record Secret
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public int Size { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool Removed { get; init; }

    public static Secret Create(SecretCreated e) => new()
    {
        Id = e.SecretId,
        Name = e.Name,
        Labels = e.Labels,
        Size = e.Size,
        CreatedAt = e.At,
    };

    public Secret Apply(SecretRemoved e) => this with { Removed = true };
}
