namespace Allocator.Service.Allocation;

/// <summary>What allocating does to a game server (Agones' applyAllocationToGameServer).</summary>
public static class AllocationActions
{
    public const string LastAllocatedAnnotation = "agones.dev/last-allocated";
    /// <summary>
    /// The engine's own bound on a list's capacity. Requests and registrations are held to the
    /// (lower) configured bound before they get here (<c>Allocator:ListMaxItems</c>, as the
    /// GameServer CRD's <c>maxItems</c>), so this only keeps the engine's lists finite.
    /// </summary>
    public const int MaxListCapacity = 10_000;

    public static void Apply(AllocationSpec spec, GameServer server, DateTimeOffset now)
    {
        server.State = GameServerStates.Allocated;

        foreach (var (key, value) in spec.Labels) server.Labels[key] = value;
        foreach (var (key, value) in spec.Annotations) server.Annotations[key] = value;
        server.Annotations[LastAllocatedAnnotation] = Timestamp(now);

        // As in Agones, an action on a counter or list the server does not have is skipped
        // without failing the allocation.
        foreach (var (key, action) in spec.CounterActions)
        {
            if (server.Counters.TryGetValue(key, out var counter)) Apply(action, counter);
        }

        foreach (var (key, action) in spec.ListActions)
        {
            if (server.Lists.TryGetValue(key, out var list)) Apply(action, list);
        }
    }

    // A batch shares one clock reading: format it once.
    [ThreadStatic] private static (DateTimeOffset At, string Text) _lastTimestamp;

    /// <summary>
    /// The time as Agones writes it (Go's RFC 3339 with nanoseconds): UTC, 'Z', the fraction
    /// without trailing zeros and without the '.' when it is zero. .NET's clock has 100 ns
    /// ticks, so at most 7 digits.
    /// </summary>
    public static string Timestamp(DateTimeOffset now)
    {
        if (_lastTimestamp.Text is null || _lastTimestamp.At != now)
        {
            _lastTimestamp = (now, now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
        }

        return _lastTimestamp.Text;
    }

    // Agones' order: the capacity first (truncating the count), then the count, truncated to
    // [0, capacity]. A capacity alone changes nothing else.
    private static void Apply(CounterAction action, CounterState counter)
    {
        if (action.Capacity is { } capacity)
        {
            counter.Capacity = capacity;
            counter.Count = Math.Min(counter.Count, capacity);
        }

        var count = action.Operation switch
        {
            CounterOperation.Increment => counter.Count + action.Amount,
            CounterOperation.Decrement => counter.Count - action.Amount,
            _ => counter.Count,
        };
        counter.Count = Math.Clamp(count, 0, counter.Capacity);
    }

    // Agones' order: capacity, then additions, then deletions.
    private static void Apply(ListAction action, ListState list)
    {
        if (action.Capacity is { } capacity) list.Resize(capacity);
        list.Append(action.AddValues);
        list.Delete(action.DeleteValues);
    }
}
