namespace Swarm.EventStore.Security;

/// <summary>A join refused: wrong, rotated or malformed token. The message never repeats the token.</summary>
public sealed class JoinRefusedException(string message) : Exception(message);
