namespace Swarm.EventStore.Security;

public sealed record JoinTokens(string Worker, string Manager);
