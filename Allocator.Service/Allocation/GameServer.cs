namespace Allocator.Service.Allocation;

/// <summary>
/// The allocator's view of one game server: what selectors match on and what allocation changes.
/// Mutable on purpose: the leader owns the only writable copy, and the engine edits it in place.
/// </summary>
public sealed class GameServer
{
    public string Namespace { get; set; } = "default";
    public string Name { get; set; } = "";
    public string State { get; set; } = GameServerStates.Ready;
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Annotations { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, CounterState> Counters { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, ListState> Lists { get; set; } = new(StringComparer.Ordinal);
    public string Address { get; set; } = "";
    public List<GameServerAddress> Addresses { get; set; } = [];
    public List<GameServerPort> Ports { get; set; } = [];
    public string NodeName { get; set; } = "";
    /// <summary>Bumped on every change the leader commits; lets readers tell versions apart.</summary>
    public long Version { get; set; }
    /// <summary>Kubernetes mode: the resourceVersion of the GameServer last observed.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? ResourceVersion { get; set; }
    /// <summary>
    /// Kubernetes mode: what committed allocations changed that Kubernetes has not shown back
    /// yet, oldest first. The state above already includes them; an observed GameServer gets
    /// them applied again until it carries their outbox id (so the hash never under-counts).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public List<PendingWrite>? Pending { get; set; }

    /// <summary>The hash field: <c>namespace/name</c>.</summary>
    public string Key => KeyOf(Namespace, Name);

    public static string KeyOf(string ns, string name) => ns + "/" + name;

    public bool IsCandidate => State is GameServerStates.Ready or GameServerStates.Allocated;

    public GameServer Clone() => new()
    {
        Namespace = Namespace,
        Name = Name,
        State = State,
        Labels = new(Labels, StringComparer.Ordinal),
        Annotations = new(Annotations, StringComparer.Ordinal),
        Counters = Counters.ToDictionary(kv => kv.Key, kv => kv.Value with { }, StringComparer.Ordinal),
        Lists = Lists.ToDictionary(kv => kv.Key, kv => new ListState { Capacity = kv.Value.Capacity, Values = [.. kv.Value.Values] }, StringComparer.Ordinal),
        Address = Address,
        Addresses = [.. Addresses],
        Ports = [.. Ports],
        NodeName = NodeName,
        Version = Version,
        ResourceVersion = ResourceVersion,
        Pending = Pending?.Select(p => p with { Delta = p.Delta.Clone() }).ToList(),
    };
}

/// <summary>Agones GameServer state names; only Ready and Allocated servers can be allocated.</summary>
public static class GameServerStates
{
    public const string Ready = "Ready";
    public const string Allocated = "Allocated";
    public const string Reserved = "Reserved";
    public const string Unhealthy = "Unhealthy";
    public const string Shutdown = "Shutdown";
}

public sealed record CounterState
{
    public long Count { get; set; }
    public long Capacity { get; set; }
    public long Available => Math.Max(0, Capacity - Count);
}

/// <summary>An Agones list: a set of values (kept in the order they came) with a capacity.</summary>
public sealed class ListState
{
    public long Capacity { get; set; }
    public List<string> Values { get; set; } = [];
    public long Available => Math.Max(0, Capacity - Values.Count);

    /// <summary>A new capacity (at most <see cref="AllocationActions.MaxListCapacity"/>); values beyond it are dropped.</summary>
    public void Resize(long capacity)
    {
        Capacity = Math.Min(capacity, AllocationActions.MaxListCapacity);
        Truncate();
    }

    /// <summary>
    /// Adds the values the list lacks, in order, then drops what is beyond the capacity; the
    /// list comes out a set even if it held a value twice (Agones' AppendListValues).
    /// </summary>
    public void Append(IReadOnlyCollection<string> values)
    {
        if (values.Count == 0) return;
        var held = new HashSet<string>(StringComparer.Ordinal);
        Values.RemoveAll(v => !held.Add(v));
        foreach (var value in values)
        {
            if (held.Add(value)) Values.Add(value);
        }

        Truncate();
    }

    /// <summary>Removes every copy of each value; values it lacks are ignored (Agones' DeleteListValues).</summary>
    public void Delete(IReadOnlyCollection<string> values)
    {
        if (values.Count == 0) return;
        var gone = new HashSet<string>(values, StringComparer.Ordinal);
        Values.RemoveAll(gone.Contains);
    }

    private void Truncate()
    {
        if (Values.Count > Capacity) Values.RemoveRange((int)Capacity, Values.Count - (int)Capacity);
    }
}

public sealed record GameServerAddress(string Type, string Address);

public sealed record GameServerPort(string Name, int Port);
