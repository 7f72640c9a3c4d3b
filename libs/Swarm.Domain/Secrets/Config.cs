using Swarm.Contracts.Events;

namespace Swarm.Domain.Secrets;

/// <summary>A config's metadata (the read model of its stream); the value is stored apart, as a secret's is.</summary>
public sealed record Config
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public int Size { get; init; }
    public string Digest { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public bool Removed { get; init; }

    public static Config Create(ConfigCreated e) => new()
    {
        Id = e.ConfigId,
        Name = e.Name,
        Labels = e.Labels,
        Size = e.Size,
        Digest = e.Digest,
        CreatedAt = e.At,
    };

    public Config Apply(ConfigRemoved e) => this with { Removed = true };
}
