namespace Allocator.Service.Allocation;

/// <summary>
/// What allocations changed on one game server, as a change to apply on top of whatever the
/// server holds now: counts move by an amount instead of being set, so a session the game
/// server ended on its own in the meantime is kept. Kubernetes mode writes these back, and
/// re-applies them to observed GameServers until Kubernetes shows them.
/// </summary>
public sealed class ServerDelta
{
    /// <summary>The server went from Ready to Allocated.</summary>
    public bool Allocate { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Annotations { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, CounterDelta> Counters { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, ListDelta> Lists { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> (the same server).</summary>
    public static ServerDelta Between(GameServer before, GameServer after)
    {
        var delta = new ServerDelta { Allocate = before.State != GameServerStates.Allocated && after.State == GameServerStates.Allocated };
        foreach (var (key, value) in after.Labels)
        {
            if (!before.Labels.TryGetValue(key, out var old) || old != value) delta.Labels[key] = value;
        }

        foreach (var (key, value) in after.Annotations)
        {
            if (!before.Annotations.TryGetValue(key, out var old) || old != value) delta.Annotations[key] = value;
        }

        foreach (var (key, counter) in after.Counters)
        {
            if (!before.Counters.TryGetValue(key, out var old)) continue;
            var change = new CounterDelta { Count = counter.Count - old.Count, Capacity = counter.Capacity != old.Capacity ? counter.Capacity : null };
            if (change.Count != 0 || change.Capacity is not null) delta.Counters[key] = change;
        }

        foreach (var (key, list) in after.Lists)
        {
            if (!before.Lists.TryGetValue(key, out var old)) continue;
            var change = new ListDelta
            {
                Add = [.. list.Values.Where(v => !old.Values.Contains(v))],
                Remove = [.. old.Values.Where(v => !list.Values.Contains(v))],
                Capacity = list.Capacity != old.Capacity ? list.Capacity : null,
            };
            if (change.Add.Count > 0 || change.Remove.Count > 0 || change.Capacity is not null) delta.Lists[key] = change;
        }

        return delta;
    }

    /// <summary>Adds <paramref name="later"/> (a change made after this one) to this one.</summary>
    public void Merge(ServerDelta later)
    {
        Allocate |= later.Allocate;
        foreach (var (key, value) in later.Labels) Labels[key] = value;
        foreach (var (key, value) in later.Annotations) Annotations[key] = value;
        foreach (var (key, change) in later.Counters)
        {
            var mine = Counters.TryGetValue(key, out var c) ? c : Counters[key] = new CounterDelta();
            mine.Count += change.Count;
            mine.Capacity = change.Capacity ?? mine.Capacity;
        }

        foreach (var (key, change) in later.Lists)
        {
            var mine = Lists.TryGetValue(key, out var l) ? l : Lists[key] = new ListDelta();
            foreach (var value in change.Add)
            {
                if (!mine.Remove.Remove(value) && !mine.Add.Contains(value)) mine.Add.Add(value);
            }

            foreach (var value in change.Remove)
            {
                if (!mine.Add.Remove(value) && !mine.Remove.Contains(value)) mine.Remove.Add(value);
            }

            mine.Capacity = change.Capacity ?? mine.Capacity;
        }
    }

    /// <summary>
    /// Applies the change to <paramref name="server"/> as it is now. Every change comes from
    /// allocations, so a Ready server becomes Allocated (even when the change that moved it
    /// there was dropped); one shutting down stays so. Counts stay within [0, capacity], lists
    /// within their capacity, as allocating does.
    /// </summary>
    public void ApplyTo(GameServer server)
    {
        if (server.State == GameServerStates.Ready) server.State = GameServerStates.Allocated;
        foreach (var (key, value) in Labels) server.Labels[key] = value;
        foreach (var (key, value) in Annotations) server.Annotations[key] = value;
        foreach (var (key, change) in Counters)
        {
            if (!server.Counters.TryGetValue(key, out var counter)) continue;
            if (change.Capacity is { } capacity) counter.Capacity = capacity;
            counter.Count = Math.Clamp(counter.Count + change.Count, 0, counter.Capacity);
        }

        foreach (var (key, change) in Lists)
        {
            if (!server.Lists.TryGetValue(key, out var list)) continue;
            if (change.Capacity is { } capacity) list.Resize(capacity);
            list.Delete(change.Remove);
            list.Append(change.Add);
        }
    }

    /// <summary>
    /// Whether the change still fits on <paramref name="server"/> as it is now: a Ready server it
    /// took is still Ready, and every increment and added list value has room (something else
    /// may have used it since the allocation was decided).
    /// </summary>
    public bool FitsOn(GameServer server)
    {
        // The allocation took a Ready server: if someone else has allocated it since, it is not ours.
        if (Allocate && server.State != GameServerStates.Ready) return false;
        foreach (var (key, change) in Counters)
        {
            if (change.Count <= 0 || !server.Counters.TryGetValue(key, out var counter)) continue;
            if (counter.Count + change.Count > (change.Capacity ?? counter.Capacity)) return false;
        }

        foreach (var (key, change) in Lists)
        {
            if (!server.Lists.TryGetValue(key, out var list)) continue;
            var capacity = Math.Min(change.Capacity ?? list.Capacity, AllocationActions.MaxListCapacity);
            var kept = list.Values.Where(v => !change.Remove.Contains(v)).ToHashSet(StringComparer.Ordinal);
            var added = change.Add.Count(v => !kept.Contains(v));
            if (added > 0 && kept.Count + added > capacity) return false;
        }

        return true;
    }

    public ServerDelta Clone()
    {
        var copy = new ServerDelta();
        copy.Merge(this);
        return copy;
    }
}

public sealed class CounterDelta
{
    public long Count { get; set; }
    /// <summary>A new capacity, when an action set one.</summary>
    public long? Capacity { get; set; }
}

public sealed class ListDelta
{
    public List<string> Add { get; set; } = [];
    public List<string> Remove { get; set; } = [];
    /// <summary>A new capacity, when an action set one.</summary>
    public long? Capacity { get; set; }
}

/// <summary>A change committed in outbox entry <see cref="Id"/> and not yet seen in Kubernetes.</summary>
public sealed record PendingWrite(string Id, ServerDelta Delta);
