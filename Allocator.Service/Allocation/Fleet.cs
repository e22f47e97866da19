namespace Allocator.Service.Allocation;

/// <summary>
/// The leader's in-memory copy of the occupancy hash, with the per-node tallies Packed
/// ordering needs. Records which game servers changed since the last <see cref="TakeChanges"/>,
/// so a batch commits exactly what it touched, and keeps what they were before, so a batch
/// that cannot be committed is undone with <see cref="Rollback"/>.
/// </summary>
public sealed class Fleet
{
    private readonly Dictionary<string, GameServer> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeTally> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    // key -> the server as it was before the batch first touched it (null: it did not exist).
    private readonly Dictionary<string, GameServer?> _before = new(StringComparer.Ordinal);

    public int Count => _servers.Count;

    public IEnumerable<GameServer> Servers => _servers.Values;

    public GameServer? Find(string key) => _servers.GetValueOrDefault(key);

    public NodeTally TallyOf(string node) => _nodes.GetValueOrDefault(node);

    /// <summary>Loads a server as stored; not recorded as a change.</summary>
    public void Load(GameServer server)
    {
        Forget(server.Key);
        _servers[server.Key] = server;
        Tally(server, +1);
    }

    /// <summary>Adds or replaces a server and records the change.</summary>
    public void Put(GameServer server)
    {
        Remember(server.Key);
        var previous = _servers.GetValueOrDefault(server.Key);
        server.Version = (previous?.Version ?? server.Version) + 1;
        Load(server);
        _removed.Remove(server.Key);
        _changed.Add(server.Key);
    }

    public bool Remove(string key)
    {
        Remember(key);
        if (!Forget(key)) return false;
        _changed.Remove(key);
        _removed.Add(key);
        return true;
    }

    /// <summary>
    /// Applies an in-place edit to a stored server, keeping node tallies right when the state
    /// or node changes, and records the change.
    /// </summary>
    public void Edit(GameServer server, Action<GameServer> edit)
    {
        Remember(server.Key);
        Tally(server, -1);
        edit(server);
        server.Version++;
        Tally(server, +1);
        _changed.Add(server.Key);
    }

    /// <summary>Changed servers (to write) and removed keys (to delete) since the last call.</summary>
    public (IReadOnlyList<GameServer> Changed, IReadOnlyList<string> Removed) TakeChanges()
    {
        var changed = _changed.Select(k => _servers[k]).ToList();
        var removed = _removed.ToList();
        _changed.Clear();
        _removed.Clear();
        return (changed, removed);
    }

    /// <summary>The batch was committed: its changes are now the stored state.</summary>
    public void Accept() => _before.Clear();

    /// <summary>The batch was not committed: restore every server it touched.</summary>
    public void Rollback()
    {
        foreach (var (key, original) in _before)
        {
            Forget(key);
            if (original is not null) Load(original);
        }

        _before.Clear();
        _changed.Clear();
        _removed.Clear();
    }

    private void Remember(string key)
    {
        if (!_before.ContainsKey(key)) _before[key] = _servers.GetValueOrDefault(key)?.Clone();
    }

    private bool Forget(string key)
    {
        if (!_servers.Remove(key, out var old)) return false;
        Tally(old, -1);
        return true;
    }

    private void Tally(GameServer server, int delta)
    {
        var tally = _nodes.GetValueOrDefault(server.NodeName);
        tally = server.State switch
        {
            GameServerStates.Allocated => tally with { Allocated = tally.Allocated + delta },
            GameServerStates.Ready => tally with { Ready = tally.Ready + delta },
            _ => tally,
        };
        _nodes[server.NodeName] = tally;
    }
}

/// <summary>How many Allocated and Ready game servers a node has (Agones' per-node counter).</summary>
public readonly record struct NodeTally(int Allocated, int Ready);
