namespace Swarm.Worker.Ca;

/// <summary>The node cannot join: a refused token, a server not of the token's cluster, or no dispatcher reachable.</summary>
public sealed class JoinRefusedException(string message) : Exception(message);
