namespace Swarm.Dispatcher.Nodes;

/// <summary>
/// Agents' registrations, group-committed (at most 500 per transaction): a thousand agents
/// connecting at once make a few transactions, not a thousand that exhaust the connection pool.
/// </summary>
public sealed class RegistrationBatcher(NodeStatusWriter writer, ILogger<RegistrationBatcher> logger) : IAsyncDisposable
{
    public const int MaxRegistrations = 500;

    private readonly GroupCommit<NodeRegistration, bool> _commit = new(writer.RegisterManyAsync, _ => 1, MaxRegistrations, logger);

    /// <summary>Records the node's description and certificate and marks it ready, with whatever else is queued.</summary>
    public Task RegisterAsync(Guid nodeId, Swarm.Contracts.Model.NodeDescription description, Swarm.Contracts.Model.NodeCertificateInfo? certificate,
        CancellationToken cancellationToken) =>
        _commit.WriteAsync(new NodeRegistration(nodeId, description, certificate), cancellationToken);

    public ValueTask DisposeAsync() => _commit.DisposeAsync();
}
