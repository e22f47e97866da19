using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allocator.Service.Allocation;

/// <summary>
/// Which servers an index holds and in what order. Partition: namespace, state, one label of
/// the selector (the posting list; none = all) and, when the request needs room on a counter,
/// only servers that lack that counter or have at least one free (full servers never sit in
/// front of the search). Order: Packed (node tallies, priorities, name), Distributed with
/// priorities (priorities, name), or none (Distributed: random pick).
/// </summary>
public sealed record IndexShape(
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
    public string Signature { get; } = SignatureOf(Namespace, State, LabelKey, LabelValue, RoomCounter, Scheduling, Priorities);

    private static string SignatureOf(string ns, string state, string labelKey, string labelValue, string roomCounter, Scheduling scheduling, IReadOnlyList<Priority> priorities)
    {
        var signature = new System.Text.StringBuilder(96)
            .Append(ns).Append('\u001f').Append(state).Append('\u001f').Append(labelKey).Append('\u001f').Append(labelValue)
            .Append('\u001f').Append(roomCounter).Append('\u001f').Append(scheduling == Scheduling.Packed ? 'P' : 'D');
        foreach (var p in priorities)
        {
            signature.Append('\u001f').Append(p.Type == PriorityType.Counter ? 'c' : 'l').Append(p.Order == PriorityOrder.Ascending ? 'a' : 'd').Append(p.Key);
        }

        return signature.ToString();
    }

    public static string ToJson(IEnumerable<IndexShape> shapes) => JsonSerializer.Serialize(shapes.ToList(), IndexShapeJsonContext.Default.ListIndexShape);

    public static List<IndexShape> FromJson(string json)
    {
        try
        {
            var shapes = JsonSerializer.Deserialize(json, IndexShapeJsonContext.Default.ListIndexShape) ?? [];
            return shapes.Where(s => s is { Namespace: not null, State: not null, LabelKey: not null, LabelValue: not null, RoomCounter: not null, Priorities: not null }
                && s.Priorities.All(p => p?.Key is not null)).ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

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
        (string Key, string Value) first = ("", "");
        foreach (var (key, value) in selector.MatchLabels)
        {
            if (first.Key.Length == 0 || string.CompareOrdinal(key, first.Key) < 0) first = (key, value);
        }

        return first;
    }

    /// <summary>
    /// A counter every match needs room on: one the selector asks minAvailable >= 1 of (a
    /// server without it cannot match), or one the request increments (a server without it
    /// may still match: it stays in the index).
    /// </summary>
    private static string RoomCounterOf(AllocationSpec spec, Selector selector)
    {
        string? chosen = null;
        foreach (var (key, filter) in selector.Counters)
        {
            if (filter.MinAvailable >= 1 && (chosen is null || string.CompareOrdinal(key, chosen) < 0)) chosen = key;
        }

        if (chosen is not null) return chosen;
        foreach (var (key, action) in spec.CounterActions)
        {
            if (action is { Increments: true, Capacity: null } && (chosen is null || string.CompareOrdinal(key, chosen) < 0)) chosen = key;
        }

        return chosen ?? "";
    }
}

[JsonSourceGenerationOptions(IgnoreReadOnlyProperties = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(List<IndexShape>))]
internal sealed partial class IndexShapeJsonContext : JsonSerializerContext;
