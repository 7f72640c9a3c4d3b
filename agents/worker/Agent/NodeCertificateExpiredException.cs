namespace Swarm.Worker.Agent;

/// <summary>The node's certificate expired before it could be renewed: the cluster no longer accepts it.</summary>
public sealed class NodeCertificateExpiredException(string hostname, DateTime notAfter)
    : Exception($"{hostname}: the node certificate expired at {notAfter:u} and can no longer be renewed; start the agent with a join token to join again");
