namespace Swarm.Worker.Agent;

/// <summary>The cluster refused the node's certificate because the node was removed (PERMISSION_DENIED).</summary>
public sealed class NodeRemovedException(string detail) : Exception($"the node was removed from the cluster ({detail})");

/// <summary>The node's certificate expired before it could be renewed: the cluster no longer accepts it.</summary>
public sealed class NodeCertificateExpiredException(string hostname, DateTime notAfter)
    : Exception($"{hostname}: the node certificate expired at {notAfter:u} and can no longer be renewed; start the agent with a join token to join again");
