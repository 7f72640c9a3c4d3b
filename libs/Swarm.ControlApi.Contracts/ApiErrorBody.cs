namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Body of every error answer: <see cref="Code"/> is <c>invalid</c>, <c>conflict</c>, <c>not-found</c>,
/// <c>unavailable</c> or <c>internal</c>; <see cref="Field"/> names the input at fault (JSON path such
/// as <c>spec.replicas</c>) or is empty.
/// </summary>
public sealed record ApiErrorBody
{
    public string Code { get; init; } = "";
    public string Field { get; init; } = "";
    public string Reason { get; init; } = "";
}
