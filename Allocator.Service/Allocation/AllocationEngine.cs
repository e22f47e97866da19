namespace Allocator.Service.Allocation;

/// <summary>
/// Decides allocations against the leader's <see cref="Fleet"/>, one request at a time, in
/// batch order: a later request sees what earlier ones did, so the sessions of one batch
/// pack onto the same servers. Pure: the caller hands in the clock reading and the random
/// source, and persists <see cref="Fleet.TakeChanges"/> afterwards. Candidates come from the
/// fleet's <see cref="CandidateIndex"/>: the cost of a decision does not grow with the fleet.
/// </summary>
public sealed class AllocationEngine(Fleet fleet, Random random)
{
    /// <summary>
    /// Allocates and returns the server as it is after the allocation. The instance is the
    /// fleet's own: read it before the next change (the next decision may change it).
    /// <paramref name="keepBefore"/> also returns a copy of the server as it was (Kubernetes
    /// mode writes back the difference).
    /// </summary>
    public AllocationDecision Allocate(AllocationSpec spec, DateTimeOffset now, bool keepBefore = false)
    {
        var chosen = Find(spec);
        if (chosen is null) return AllocationDecision.NoMatch;

        var before = keepBefore ? chosen.Clone() : null;
        fleet.Edit(chosen, server => AllocationActions.Apply(spec, server, now));
        return new AllocationDecision(chosen, before);
    }

    /// <summary>
    /// The best match of the first selector (in order) that has one. Each selector searches
    /// the index of its shape in preference order and stops at the first server that passes
    /// every clause; Distributed without priorities samples the index at random.
    /// </summary>
    private GameServer? Find(AllocationSpec spec)
    {
        var priorities = EffectivePriorities(spec);
        foreach (var selector in spec.Selectors)
        {
            var index = fleet.Index.For(IndexShape.For(spec, selector, priorities));
            var found = index.Shape.Random ? PickRandom(index, spec, selector) : PickFirst(index, spec, selector);
            if (found is not null) return found;
        }

        return null;
    }

    private static GameServer? PickFirst(OrderedCandidates index, AllocationSpec spec, Selector selector) =>
        index.First(static (request, server) => Fits(request.spec, request.selector, server), (spec, selector));

    /// <summary>
    /// Uniform among the matches: a uniform sample of the index that matches is a uniform
    /// match. After a few misses (matches are rare), every match is collected instead.
    /// </summary>
    private GameServer? PickRandom(OrderedCandidates index, AllocationSpec spec, Selector selector)
    {
        if (index.Count == 0) return null;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var server = index.At(random.Next(index.Count));
            if (Fits(spec, selector, server)) return server;
        }

        GameServer? chosen = null;
        var seen = 0;
        foreach (var server in index.InOrder())
        {
            if (Fits(spec, selector, server) && random.Next(++seen) == 0) chosen = server;
        }

        return chosen;
    }

    private static bool Fits(AllocationSpec spec, Selector selector, GameServer server) =>
        server.Namespace == spec.Namespace && server.IsCandidate && HasRoom(spec, server) && SelectorMatch.Matches(selector, server);

    /// <summary>
    /// A request that increments a counter needs that much room on it (after any new capacity
    /// it sets): where Agones would allocate and silently clamp the count at capacity, we never
    /// hand out a session a server cannot hold (invariant I1). Any other action, a capacity
    /// alone included, needs no room, as in Agones.
    /// </summary>
    internal static bool HasRoom(AllocationSpec spec, GameServer server)
    {
        foreach (var (key, action) in spec.CounterActions)
        {
            if (!action.Increments || !server.Counters.TryGetValue(key, out var counter)) continue;
            var capacity = action.Capacity ?? counter.Capacity;
            if (counter.Count + action.Amount > capacity) return false;
        }

        return true;
    }

    /// <summary>
    /// Packed requests without priorities rank servers by the counters they increment,
    /// fullest first: where Agones falls back to the name, we prefer the server closest to
    /// full, which keeps multi-session servers packed as sessions come and go. Counters the
    /// request only resizes or decrements keep Agones' order.
    /// </summary>
    internal static IReadOnlyList<Priority> EffectivePriorities(AllocationSpec spec)
    {
        if (spec.Priorities.Count > 0 || spec.Scheduling != Scheduling.Packed || spec.CounterActions.Count == 0) return spec.Priorities;
        List<Priority>? implicitOrder = null;
        foreach (var (key, action) in spec.CounterActions)
        {
            if (action.Increments) (implicitOrder ??= []).Add(new Priority(PriorityType.Counter, key, PriorityOrder.Ascending));
        }

        implicitOrder?.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return implicitOrder ?? spec.Priorities;
    }
}

/// <summary>The allocated game server as it is after the allocation (and, when asked, before it), or null when nothing matched.</summary>
public sealed record AllocationDecision(GameServer? Server, GameServer? Before = null)
{
    public static readonly AllocationDecision NoMatch = new((GameServer?)null);
}
