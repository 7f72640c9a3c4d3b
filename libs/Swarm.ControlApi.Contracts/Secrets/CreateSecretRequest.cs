namespace Swarm.ControlApi.Contracts;

/// <summary>The body of <c>POST /api/secrets</c> and <c>POST /api/configs</c>.</summary>
public sealed record CreateSecretRequest
{
    public string Name { get; init; } = "";

    /// <summary>The value, base64-encoded (at most 500 KiB once decoded).</summary>
    public string Data { get; init; } = "";

    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
