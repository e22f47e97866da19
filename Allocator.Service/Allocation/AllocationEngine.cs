namespace Allocator.Service.Allocation;

/// <summary>
/// Decides allocations against the leader's <see cref="Fleet"/>, one request at a time, in
/// batch order: a later request sees what earlier ones did, so the sessions of one batch
/// pack onto the same servers. Pure: the caller hands in the clock reading and the random
/// source, and persists <see cref="Fleet.TakeChanges"/> afterwards.
/// </summary>
public sealed class AllocationEngine(Fleet fleet, Random random)
{
    public AllocationDecision Allocate(AllocationSpec spec, DateTimeOffset now)
    {
        var chosen = Find(spec);
        if (chosen is null) return AllocationDecision.NoMatch;

        fleet.Edit(chosen, server => AllocationActions.Apply(spec, server, now));
        return new AllocationDecision(chosen.Clone());
    }

    /// <summary>The best match of the first selector (in order) that has one.</summary>
    private GameServer? Find(AllocationSpec spec)
    {
        var priorities = EffectivePriorities(spec);
        var packed = spec.Scheduling == Scheduling.Packed;
        var order = new CandidateOrder(fleet, priorities, packed);
        var randomPick = !packed && priorities.Count == 0;

        foreach (var selector in spec.Selectors)
        {
            GameServer? best = null;
            var seen = 0;
            foreach (var server in fleet.Servers)
            {
                if (server.Namespace != spec.Namespace || !server.IsCandidate || !HasRoom(spec, server) || !SelectorMatch.Matches(selector, server)) continue;

                if (randomPick)
                {
                    // Reservoir sampling: uniform among matches without materialising them.
                    if (random.Next(++seen) == 0) best = server;
                }
                else if (best is null || order.Compare(server, best) < 0)
                {
                    best = server;
                }
            }

            if (best is not null) return best;
        }

        return null;
    }

    /// <summary>
    /// A request that increments a counter needs that much room on it: where Agones would
    /// allocate and silently clamp the count at capacity, we never hand out a session a
    /// server cannot hold (invariant I1).
    /// </summary>
    internal static bool HasRoom(AllocationSpec spec, GameServer server)
    {
        foreach (var (key, action) in spec.CounterActions)
        {
            if (action.Operation != CounterOperation.Increment || !server.Counters.TryGetValue(key, out var counter)) continue;
            var capacity = action.Capacity ?? counter.Capacity;
            if (counter.Count + action.Amount > capacity) return false;
        }

        return true;
    }

    /// <summary>
    /// Packed requests without priorities rank servers by the counters they increment,
    /// fullest first: where Agones falls back to the name, we prefer the server closest to
    /// full, which keeps multi-session servers packed as sessions come and go.
    /// </summary>
    internal static IReadOnlyList<Priority> EffectivePriorities(AllocationSpec spec)
    {
        if (spec.Priorities.Count > 0 || spec.Scheduling != Scheduling.Packed) return spec.Priorities;
        return spec.CounterActions
            .Where(kv => kv.Value.Operation == CounterOperation.Increment)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new Priority(PriorityType.Counter, kv.Key, PriorityOrder.Ascending))
            .ToList();
    }
}

/// <summary>The allocated game server as it is after the allocation, or null when nothing matched.</summary>
public sealed record AllocationDecision(GameServer? Server)
{
    public static readonly AllocationDecision NoMatch = new((GameServer?)null);
}
