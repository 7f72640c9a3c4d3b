namespace Swarm.Worker.Agent;

/// <summary>The cluster refused the node's certificate because the node was removed (PERMISSION_DENIED).</summary>
public sealed class NodeRemovedException(string detail) : Exception($"the node was removed from the cluster ({detail})");
