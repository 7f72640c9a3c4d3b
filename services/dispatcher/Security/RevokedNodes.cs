namespace Swarm.Dispatcher.Security;

/// <summary>
/// The nodes removed from the cluster, whose certificates this dispatcher refuses (there are no revocation
/// lists: a removed node is refused by the node id its certificate names). Loaded from the node read model
/// at start and every few seconds, and added to at once when a <c>NodeRemoved</c> arrives
/// (<see cref="RevocationService"/>). A removal is final: nothing is ever taken out.
/// </summary>
public sealed class RevokedNodes
{
    private readonly object _gate = new();
    private readonly HashSet<Guid> _removed = [];
    private volatile bool _loaded;

    /// <summary>Whether the read model was read once: until then no node's certificate is accepted.</summary>
    public bool Loaded => _loaded;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _removed.Count;
            }
        }
    }

    public bool Contains(Guid nodeId)
    {
        lock (_gate)
        {
            return _removed.Contains(nodeId);
        }
    }

    /// <summary>Adds a removed node; true when it was not known yet.</summary>
    public bool Add(Guid nodeId)
    {
        lock (_gate)
        {
            return _removed.Add(nodeId);
        }
    }

    /// <summary>Adds what the read model says is removed; returns the nodes not known before.</summary>
    public IReadOnlyList<Guid> AddLoaded(IEnumerable<Guid> removed)
    {
        var added = new List<Guid>();
        lock (_gate)
        {
            foreach (var id in removed)
            {
                if (_removed.Add(id))
                {
                    added.Add(id);
                }
            }
        }

        _loaded = true;
        return added;
    }
}
