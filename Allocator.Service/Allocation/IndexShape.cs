namespace Allocator.Service.Allocation;

/// <summary>
/// Which servers an index holds and in what order. Partition: namespace, state, one label of
/// the selector (the posting list; none = all) and, when the request needs room on a counter,
/// only servers that lack that counter or have at least one free (full servers never sit in
/// front of the search). Order: Packed (node tallies, priorities, name), Distributed with
/// priorities (priorities, name), or none (Distributed: random pick).
/// </summary>
internal sealed record IndexShape(
    string Namespace,
    string State,
    string LabelKey,
    string LabelValue,
    string RoomCounter,
    Scheduling Scheduling,
    IReadOnlyList<Priority> Priorities)
{
    public const string FleetLabel = "agones.dev/fleet";

    public bool Packed => Scheduling == Scheduling.Packed;

    public bool Random => Scheduling == Scheduling.Distributed && Priorities.Count == 0;

    /// <summary>Identity of the shape (records compare lists by reference, so build one string).</summary>
    public string Signature { get; } = string.Join('\u001f',
        new[] { Namespace, State, LabelKey, LabelValue, RoomCounter, Scheduling.ToString() }
            .Concat(Priorities.Select(p => $"{p.Type}:{p.Key}:{p.Order}")));

    public static IndexShape For(AllocationSpec spec, Selector selector, IReadOnlyList<Priority> priorities)
    {
        var (labelKey, labelValue) = PostingLabel(selector);
        return new IndexShape(spec.Namespace, selector.State, labelKey, labelValue, RoomCounterOf(spec, selector), spec.Scheduling, priorities);
    }

    public bool Holds(GameServer server)
    {
        if (server.State != State || server.Namespace != Namespace) return false;
        if (LabelKey.Length > 0 && (!server.Labels.TryGetValue(LabelKey, out var value) || value != LabelValue)) return false;
        return RoomCounter.Length == 0 || !server.Counters.TryGetValue(RoomCounter, out var counter) || counter.Count < counter.Capacity;
    }

    /// <summary>The fleet label when the selector has it (the usual and most selective), else its first label.</summary>
    private static (string, string) PostingLabel(Selector selector)
    {
        if (selector.MatchLabels.TryGetValue(FleetLabel, out var fleet)) return (FleetLabel, fleet);
        var first = selector.MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal).FirstOrDefault();
        return first.Key is null ? ("", "") : (first.Key, first.Value);
    }

    /// <summary>
    /// A counter every match needs room on: one the selector asks minAvailable >= 1 of (a
    /// server without it cannot match), or one the request increments (a server without it
    /// may still match: it stays in the index).
    /// </summary>
    private static string RoomCounterOf(AllocationSpec spec, Selector selector)
    {
        var filtered = selector.Counters.Where(kv => kv.Value.MinAvailable >= 1).Select(kv => kv.Key).Order(StringComparer.Ordinal).FirstOrDefault();
        if (filtered is not null) return filtered;
        return spec.CounterActions.Where(kv => kv.Value is { Operation: CounterOperation.Increment, Amount: >= 1, Capacity: null })
            .Select(kv => kv.Key).Order(StringComparer.Ordinal).FirstOrDefault() ?? "";
    }
}
