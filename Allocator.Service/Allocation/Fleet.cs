namespace Allocator.Service.Allocation;

/// <summary>
/// The leader's in-memory copy of the occupancy hash, with the per-node tallies Packed
/// ordering needs and the <see cref="CandidateIndex"/> the engine searches. Records which game
/// servers changed since the last <see cref="TakeChanges"/>, so a batch commits exactly what
/// it touched, and which servers a batch touched until it is accepted, so a batch that cannot
/// be committed is undone with <see cref="Restore"/> from what Redis still holds (the commit
/// wrote nothing, and Redis mirrors the fleet as of the last commit): no copy of a server is
/// made on the hot path. Every change goes through Detach/Attach, which keep the tallies and
/// the index right.
/// </summary>
public sealed class Fleet
{
    private readonly Dictionary<string, GameServer> _servers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    // Keys changed since the last Accept: what Restore must bring back if the batch fails.
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    // Nodes touched by the current operation, with their tally before it: those whose tally
    // really changed have their servers re-keyed once, at the end of the operation.
    private readonly Dictionary<string, NodeTally> _retallied = new(StringComparer.Ordinal);

    public Fleet() => Index = new CandidateIndex(this);

    public int Count => _servers.Count;

    public IEnumerable<GameServer> Servers => _servers.Values;

    internal CandidateIndex Index { get; }

    /// <summary>The index shapes in use (published by a leader so that standbys can prepare them).</summary>
    public IReadOnlyList<IndexShape> IndexShapes => [.. Index.Shapes];

    public void PrepareIndexes(IEnumerable<IndexShape> shapes) => Index.Prepare(shapes);

    public GameServer? Find(string key) => _servers.GetValueOrDefault(key);

    public NodeTally TallyOf(string node) => _nodes.TryGetValue(node, out var n) ? n.Tally : default;

    internal IEnumerable<GameServer> ServersOn(string node) => _nodes.TryGetValue(node, out var n) ? n.Servers : [];

    /// <summary>Loads a server as stored; not recorded as a change.</summary>
    public void Load(GameServer server)
    {
        Replace(server.Key, server);
        Flush();
    }

    /// <summary>Drops a server as stored elsewhere (it was removed); not recorded as a change.</summary>
    public void Unload(string key)
    {
        Replace(key, null);
        Flush();
    }

    /// <summary>Adds or replaces a server and records the change.</summary>
    public void Put(GameServer server)
    {
        Remember(server.Key);
        server.Version = (Find(server.Key)?.Version ?? server.Version) + 1;
        Replace(server.Key, server);
        Flush();
        _removed.Remove(server.Key);
        _changed.Add(server.Key);
    }

    public bool Remove(string key)
    {
        if (!_servers.ContainsKey(key)) return false;
        Remember(key);
        Replace(key, null);
        Flush();
        _changed.Remove(key);
        _removed.Add(key);
        return true;
    }

    /// <summary>Applies an in-place edit to a stored server and records the change.</summary>
    public void Edit(GameServer server, Action<GameServer> edit)
    {
        Remember(server.Key);
        Detach(server);
        edit(server);
        server.Version++;
        Attach(server);
        Flush();
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

    /// <summary>Servers changed since the last <see cref="Accept"/>.</summary>
    public IReadOnlyCollection<string> Touched => _touched;

    /// <summary>The batch was committed: its changes are now the stored state.</summary>
    public void Accept() => _touched.Clear();

    /// <summary>
    /// The batch was not committed: put back the stored version (null: not stored) of every
    /// server it touched.
    /// </summary>
    public void Restore(IEnumerable<(string Key, GameServer? Stored)> stored)
    {
        foreach (var (key, server) in stored) Replace(key, server);
        Flush();
        _touched.Clear();
        _changed.Clear();
        _removed.Clear();
    }

    private void Remember(string key) => _touched.Add(key);

    private void Replace(string key, GameServer? server)
    {
        if (_servers.TryGetValue(key, out var old)) Detach(old);
        if (server is not null) Attach(server);
    }

    private void Detach(GameServer server)
    {
        Index.Remove(server);
        _servers.Remove(server.Key);
        var node = _nodes[server.NodeName];
        node.Servers.Remove(server);
        Retally(server, node, -1);
    }

    private void Attach(GameServer server)
    {
        _servers[server.Key] = server;
        if (!_nodes.TryGetValue(server.NodeName, out var node)) _nodes[server.NodeName] = node = new NodeState();
        node.Servers.Add(server);
        Retally(server, node, +1);
        Index.Add(server);
    }

    private void Retally(GameServer server, NodeState node, int delta)
    {
        _retallied.TryAdd(server.NodeName, node.Tally);
        switch (server.State)
        {
            case GameServerStates.Allocated:
                node.Tally = node.Tally with { Allocated = node.Tally.Allocated + delta };
                break;
            case GameServerStates.Ready:
                node.Tally = node.Tally with { Ready = node.Tally.Ready + delta };
                break;
        }
    }

    // Packed order ranks servers by their node's tally: when it changed, every server of that
    // node takes its new place in the index.
    private void Flush()
    {
        if (_retallied.Count == 0) return;
        foreach (var (node, before) in _retallied)
        {
            if (TallyOf(node) != before) Index.Rekey(ServersOn(node));
        }

        _retallied.Clear();
    }

    private sealed class NodeState
    {
        public NodeTally Tally;
        public readonly HashSet<GameServer> Servers = new(ReferenceEqualityComparer.Instance);
    }
}

/// <summary>How many Allocated and Ready game servers a node has (Agones' per-node counter).</summary>
public readonly record struct NodeTally(int Allocated, int Ready);
