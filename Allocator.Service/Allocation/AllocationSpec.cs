namespace Allocator.Service.Allocation;

/// <summary>
/// One allocation request in engine terms (Agones' GameServerAllocation spec), already validated.
/// </summary>
public sealed record AllocationSpec
{
    public string Namespace { get; init; } = "default";
    /// <summary>Tried in order; the first selector that has a match wins.</summary>
    public IReadOnlyList<Selector> Selectors { get; init; } = [new Selector()];
    public Scheduling Scheduling { get; init; } = Scheduling.Packed;
    public IReadOnlyList<Priority> Priorities { get; init; } = [];
    public IReadOnlyDictionary<string, CounterAction> CounterActions { get; init; } = new Dictionary<string, CounterAction>();
    public IReadOnlyDictionary<string, ListAction> ListActions { get; init; } = new Dictionary<string, ListAction>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}

public enum Scheduling { Packed, Distributed }

public sealed record Selector
{
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<LabelExpression> MatchExpressions { get; init; } = [];
    /// <summary>Ready (the default) or Allocated.</summary>
    public string State { get; init; } = GameServerStates.Ready;
    public IReadOnlyDictionary<string, CounterFilter> Counters { get; init; } = new Dictionary<string, CounterFilter>();
    public IReadOnlyDictionary<string, ListFilter> Lists { get; init; } = new Dictionary<string, ListFilter>();
}

public enum LabelOperator { In, NotIn, Exists, DoesNotExist }

public sealed record LabelExpression(string Key, LabelOperator Operator, IReadOnlyList<string> Values);

/// <summary>A maximum of 0 means no limit, as in Agones.</summary>
public sealed record CounterFilter(long MinCount = 0, long MaxCount = 0, long MinAvailable = 0, long MaxAvailable = 0);

/// <summary>A maximum of 0 means no limit, as in Agones.</summary>
public sealed record ListFilter(string ContainsValue = "", long MinAvailable = 0, long MaxAvailable = 0);

public enum PriorityType { Counter, List }

public enum PriorityOrder { Ascending, Descending }

public sealed record Priority(PriorityType Type, string Key, PriorityOrder Order);

public enum CounterOperation { Increment, Decrement }

/// <summary>
/// Agones' CounterAction: a new capacity (applied first, truncating the count), and/or an
/// Increment or Decrement of the count by an amount. No operation: the capacity alone.
/// </summary>
public sealed record CounterAction(CounterOperation? Operation, long Amount = 0, long? Capacity = null)
{
    /// <summary>Sets the capacity and leaves the count alone (unless over it).</summary>
    public static CounterAction CapacityOnly(long capacity) => new(null, 0, capacity);

    /// <summary>Whether it hands out something: an Increment of at least 1 (the one action that needs room).</summary>
    public bool Increments => Operation == CounterOperation.Increment && Amount > 0;
}

public sealed record ListAction(IReadOnlyList<string> AddValues, IReadOnlyList<string> DeleteValues, long? Capacity = null);
