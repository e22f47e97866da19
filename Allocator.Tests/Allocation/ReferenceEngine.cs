using Allocator.Service.Allocation;

namespace Allocator.Tests.Allocation;

/// <summary>
/// The obviously-correct engine the indexed one must agree with: filter every server, sort
/// all matches with the whole preference order, take the first. Agones' order, spelled out.
/// </summary>
internal static class ReferenceEngine
{
    /// <summary>
    /// The server the engine must choose (ordered strategies), or for Distributed without
    /// priorities every server it may choose; empty when nothing matches.
    /// </summary>
    public static IReadOnlyList<string> Choices(Fleet fleet, AllocationSpec spec)
    {
        var priorities = spec.Priorities.Count > 0 || spec.Scheduling != Scheduling.Packed
            ? spec.Priorities
            : spec.CounterActions.Where(kv => Increments(kv.Value))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new Priority(PriorityType.Counter, kv.Key, PriorityOrder.Ascending)).ToList();

        foreach (var selector in spec.Selectors)
        {
            var matches = fleet.Servers
                .Where(s => s.Namespace == spec.Namespace)
                .Where(s => s.State is GameServerStates.Ready or GameServerStates.Allocated)
                .Where(s => HasRoom(spec, s))
                .Where(s => SelectorMatch.Matches(selector, s))
                .ToList();
            if (matches.Count == 0) continue;

            if (spec.Scheduling == Scheduling.Distributed && priorities.Count == 0)
            {
                return matches.Select(s => s.Name).ToList();
            }

            IOrderedEnumerable<GameServer> sorted = spec.Scheduling == Scheduling.Packed
                ? matches
                    .OrderBy(s => s.State == GameServerStates.Allocated ? 0 : 1)
                    .ThenByDescending(s => fleet.TallyOf(s.NodeName).Allocated)
                    .ThenByDescending(s => fleet.TallyOf(s.NodeName).Ready)
                : matches.OrderBy(_ => 0);
            foreach (var priority in priorities)
            {
                sorted = sorted
                    .ThenBy(s => Available(priority, s) is null ? 1 : 0)
                    .ThenBy(s => Available(priority, s) is { } a ? (priority.Order == PriorityOrder.Ascending ? a : -a) : 0);
            }

            return [sorted.ThenBy(s => s.Name, StringComparer.Ordinal).First().Name];
        }

        return [];
    }

    // Only an Increment of at least 1 hands out something: the one action that needs room and
    // the one whose counter ranks Packed servers fullest first. A capacity alone is neither.
    private static bool Increments(CounterAction action) => action.Operation == CounterOperation.Increment && action.Amount >= 1;

    private static bool HasRoom(AllocationSpec spec, GameServer server) =>
        spec.CounterActions.All(kv =>
            !Increments(kv.Value)
            || !server.Counters.TryGetValue(kv.Key, out var c)
            || c.Count + kv.Value.Amount <= (kv.Value.Capacity ?? c.Capacity));

    private static long? Available(Priority priority, GameServer server) => priority.Type == PriorityType.Counter
        ? server.Counters.TryGetValue(priority.Key, out var c) ? Math.Max(0, c.Capacity - c.Count) : null
        : server.Lists.TryGetValue(priority.Key, out var l) ? Math.Max(0, l.Capacity - l.Values.Count) : null;
}
