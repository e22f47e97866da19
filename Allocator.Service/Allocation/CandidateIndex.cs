namespace Allocator.Service.Allocation;

/// <summary>
/// The indexes the engine searches instead of scanning the fleet: one per request shape in
/// use (see <see cref="IndexShape"/>), built on first use and kept current by the
/// <see cref="Fleet"/> on every change. Bounded: the least recently used is dropped.
/// </summary>
internal sealed class CandidateIndex(Fleet fleet)
{
    public const int MaxIndexes = 128;

    private readonly Dictionary<string, OrderedCandidates> _indexes = new(StringComparer.Ordinal);
    private long _uses;

    public int Count => _indexes.Count;

    public OrderedCandidates For(IndexShape shape)
    {
        if (!_indexes.TryGetValue(shape.Signature, out var index))
        {
            if (_indexes.Count >= MaxIndexes) _indexes.Remove(_indexes.MinBy(kv => kv.Value.LastUsed).Key);
            _indexes[shape.Signature] = index = new OrderedCandidates(fleet, shape);
        }

        index.LastUsed = ++_uses;
        return index;
    }

    public void Add(GameServer server)
    {
        foreach (var index in _indexes.Values) index.Add(server);
    }

    public void Remove(GameServer server)
    {
        foreach (var index in _indexes.Values) index.Remove(server);
    }

    /// <summary>Re-positions servers whose node tally changed (only Packed order depends on it).</summary>
    public void Rekey(IEnumerable<GameServer> servers)
    {
        foreach (var index in _indexes.Values)
        {
            if (!index.Shape.Packed) continue;
            foreach (var server in servers)
            {
                if (index.Remove(server)) index.Add(server);
            }
        }
    }
}
