namespace Swarm.ControlApi.Contracts;

/// <summary>A config as the API shows it; <see cref="Data"/> (base64) only when one config is inspected.</summary>
public sealed record ConfigView
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public int Size { get; init; }

    /// <summary>SHA-256 of the value, hex.</summary>
    public string Digest { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public string? Data { get; init; }
}
