namespace Allocator.Service.Allocation;

/// <summary>What allocating does to a game server (Agones' applyAllocationToGameServer).</summary>
public static class AllocationActions
{
    public const string LastAllocatedAnnotation = "agones.dev/last-allocated";
    public const int MaxListCapacity = 1000;

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

    private static string Timestamp(DateTimeOffset now)
    {
        if (_lastTimestamp.Text is null || _lastTimestamp.At != now)
        {
            _lastTimestamp = (now, now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        }

        return _lastTimestamp.Text;
    }

    // Capacity first, then the count, truncated to [0, capacity].
    private static void Apply(CounterAction action, CounterState counter)
    {
        if (action.Capacity is { } capacity)
        {
            counter.Capacity = capacity;
        }

        var count = action.Operation == CounterOperation.Increment
            ? counter.Count + action.Amount
            : counter.Count - action.Amount;
        counter.Count = Math.Clamp(count, 0, counter.Capacity);
    }

    private static void Apply(ListAction action, ListState list)
    {
        if (action.Capacity is { } capacity)
        {
            list.Capacity = Math.Min(capacity, MaxListCapacity);
            if (list.Values.Count > list.Capacity) list.Values.RemoveRange((int)list.Capacity, list.Values.Count - (int)list.Capacity);
        }

        foreach (var value in action.AddValues)
        {
            if (list.Values.Count >= list.Capacity) break;
            if (!list.Values.Contains(value)) list.Values.Add(value);
        }

        foreach (var value in action.DeleteValues) list.Values.Remove(value);
    }
}
