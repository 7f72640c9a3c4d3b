namespace Swarm.ControlApi.Common;

/// <summary>The body of a request that takes no input: <c>{}</c> (a member sent anyway is refused by name).</summary>
public sealed record EmptyRequest;
