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
    // Indexes by the label their partition requires ("" for none): a change to a server only
    // visits the indexes that could hold it.
    private readonly Dictionary<(string Key, string Value), List<OrderedCandidates>> _byLabel = new();
    private long _uses;

    public IEnumerable<IndexShape> Shapes => _indexes.Values.Select(i => i.Shape);

    /// <summary>Builds the indexes a leader uses, ahead of taking over from it.</summary>
    public void Prepare(IEnumerable<IndexShape> shapes)
    {
        foreach (var shape in shapes.Take(MaxIndexes)) For(shape);
    }

    public OrderedCandidates For(IndexShape shape)
    {
        if (!_indexes.TryGetValue(shape.Signature, out var index))
        {
            if (_indexes.Count >= MaxIndexes) Drop(_indexes.MinBy(kv => kv.Value.LastUsed).Value);
            _indexes[shape.Signature] = index = new OrderedCandidates(fleet, shape);
            var label = (shape.LabelKey, shape.LabelValue);
            if (!_byLabel.TryGetValue(label, out var group)) _byLabel[label] = group = [];
            group.Add(index);
        }

        index.LastUsed = ++_uses;
        return index;
    }

    public void Add(GameServer server)
    {
        if (_indexes.Count == 0) return;
        foreach (var index in Reachable(server)) index.Add(server);
    }

    public void Remove(GameServer server)
    {
        if (_indexes.Count == 0) return;
        foreach (var index in Reachable(server)) index.Remove(server);
    }

    /// <summary>Re-positions servers whose node tally changed (only Packed order depends on it).</summary>
    public void Rekey(IEnumerable<GameServer> servers)
    {
        if (_indexes.Count == 0) return;
        foreach (var server in servers)
        {
            foreach (var index in Reachable(server))
            {
                if (index.Shape.Packed && index.Remove(server)) index.Add(server);
            }
        }
    }

    /// <summary>The indexes whose partition label the server carries, and those without one.</summary>
    private IEnumerable<OrderedCandidates> Reachable(GameServer server)
    {
        if (_byLabel.TryGetValue(("", ""), out var unlabelled))
        {
            foreach (var index in unlabelled) yield return index;
        }

        foreach (var label in server.Labels)
        {
            if (_byLabel.TryGetValue((label.Key, label.Value), out var group))
            {
                foreach (var index in group) yield return index;
            }
        }
    }

    private void Drop(OrderedCandidates index)
    {
        _indexes.Remove(index.Shape.Signature);
        _byLabel[(index.Shape.LabelKey, index.Shape.LabelValue)].Remove(index);
    }
}
