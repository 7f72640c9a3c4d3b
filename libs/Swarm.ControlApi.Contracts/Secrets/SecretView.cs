namespace Swarm.ControlApi.Contracts;

/// <summary>A secret as the API shows it: metadata only, never the value.</summary>
public sealed record SecretView
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The value's length in bytes.</summary>
    public int Size { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}
