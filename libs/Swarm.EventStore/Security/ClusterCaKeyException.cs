namespace Swarm.EventStore.Security;

/// <summary>The key-encryption key from configuration does not open the stored CA (another key, or the state was changed).</summary>
public sealed class ClusterCaKeyException(string message, Exception inner) : InvalidOperationException(message, inner);
