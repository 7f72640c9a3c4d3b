namespace Swarm.EventStore;

/// <summary>
/// Reserves a network name. Inserted in the same transaction as <c>NetworkCreated</c>, so two creates of
/// one name cannot both commit; deleted with <c>NetworkRemoved</c>.
/// </summary>
public sealed class NetworkNameClaim
{
    public string Id { get; set; } = "";
    public Guid NetworkId { get; set; }
}
