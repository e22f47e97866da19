namespace Allocator.Service.Allocation;

/// <summary>
/// One index: the servers of an <see cref="IndexShape"/>'s partition, kept in its order
/// (a sorted set of entries whose sort key is computed when the server is added, so a
/// change re-positions it by remove + add), or, for random picks, in an array.
/// </summary>
internal sealed class OrderedCandidates
{
    private readonly Fleet _fleet;
    private readonly SortedSet<Entry> _ordered = new(EntryOrder.Instance);
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<GameServer> _items = [];
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

    public OrderedCandidates(Fleet fleet, IndexShape shape)
    {
        _fleet = fleet;
        Shape = shape;
        foreach (var server in fleet.Servers) Add(server);
    }

    public IndexShape Shape { get; }

    /// <summary>Last use, for evicting indexes no request shape needs any more.</summary>
    public long LastUsed { get; set; }

    public int Count => Shape.Random ? _items.Count : _ordered.Count;

    public IEnumerable<GameServer> InOrder() => Shape.Random ? _items : _ordered.Select(e => e.Server);

    /// <summary>The first server, in the index's order, that passes <paramref name="fits"/>.</summary>
    public GameServer? First<TState>(Func<TState, GameServer, bool> fits, TState state)
    {
        if (Shape.Random)
        {
            foreach (var server in _items)
            {
                if (fits(state, server)) return server;
            }

            return null;
        }

        foreach (var entry in _ordered)
        {
            if (fits(state, entry.Server)) return entry.Server;
        }

        return null;
    }

    public GameServer At(int position) => _items[position];

    public void Add(GameServer server)
    {
        if (!Shape.Holds(server)) return;
        if (Shape.Random)
        {
            _positions[server.Key] = _items.Count;
            _items.Add(server);
            return;
        }

        var entry = new Entry(SortKey(server), server);
        _entries[server.Key] = entry;
        _ordered.Add(entry);
    }

    public bool Remove(GameServer server)
    {
        if (Shape.Random)
        {
            if (!_positions.Remove(server.Key, out var at)) return false;
            var last = _items[^1];
            _items[at] = last;
            _items.RemoveAt(_items.Count - 1);
            if (!ReferenceEquals(last, server)) _positions[last.Key] = at;
            return true;
        }

        if (!_entries.Remove(server.Key, out var entry)) return false;
        _ordered.Remove(entry);
        return true;
    }

    private long[] SortKey(GameServer server)
    {
        var priorities = Shape.Priorities;
        var offset = Shape.Packed ? 2 : 0;
        var key = new long[offset + priorities.Count * 2];
        if (Shape.Packed)
        {
            // Busier nodes first: more Allocated, then more Ready.
            var tally = _fleet.TallyOf(server.NodeName);
            key[0] = -tally.Allocated;
            key[1] = -tally.Ready;
        }

        for (var i = 0; i < priorities.Count; i++)
        {
            var available = Available(priorities[i], server);
            // A server lacking the key sorts after those that have it, in either order.
            key[offset + i * 2] = available is null ? 1 : 0;
            key[offset + i * 2 + 1] = available is null ? 0 : priorities[i].Order == PriorityOrder.Ascending ? available.Value : -available.Value;
        }

        return key;
    }

    private static long? Available(Priority priority, GameServer server) => priority.Type switch
    {
        PriorityType.Counter => server.Counters.TryGetValue(priority.Key, out var c) ? c.Available : null,
        _ => server.Lists.TryGetValue(priority.Key, out var l) ? l.Available : null,
    };

    private sealed record Entry(long[] Key, GameServer Server)
    {
        public readonly string Name = Server.Name;
    }

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? a, Entry? b)
        {
            if (ReferenceEquals(a, b)) return 0;
            var x = a!.Key;
            var y = b!.Key;
            for (var i = 0; i < x.Length; i++)
            {
                var c = x[i].CompareTo(y[i]);
                if (c != 0) return c;
            }

            return string.CompareOrdinal(a.Name, b.Name);
        }
    }
}
