namespace Allocator.Service.Allocation;

/// <summary>
/// The order in which candidates are preferred, as Agones sorts them.
/// Packed: Allocated before Ready, then the node with more Allocated servers, then the node
/// with more Ready ones, then the request's priorities, then name: sessions fill servers that
/// are already in use, on nodes that are already busy, before anything new is opened.
/// Distributed with priorities: priorities, then name.
/// </summary>
public sealed class CandidateOrder(Fleet fleet, IReadOnlyList<Priority> priorities, bool packed) : IComparer<GameServer>
{
    public int Compare(GameServer? a, GameServer? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return 1;
        if (b is null) return -1;

        if (packed)
        {
            var byState = StateRank(a).CompareTo(StateRank(b));
            if (byState != 0) return byState;

            var nodeA = fleet.TallyOf(a.NodeName);
            var nodeB = fleet.TallyOf(b.NodeName);
            if (nodeA.Allocated != nodeB.Allocated) return nodeB.Allocated.CompareTo(nodeA.Allocated);
            if (nodeA.Ready != nodeB.Ready) return nodeB.Ready.CompareTo(nodeA.Ready);
        }

        foreach (var priority in priorities)
        {
            var byPriority = ComparePriority(priority, a, b);
            if (byPriority != 0) return byPriority;
        }

        return string.CompareOrdinal(a.Name, b.Name);
    }

    private static int StateRank(GameServer server) => server.State == GameServerStates.Allocated ? 0 : 1;

    /// <summary>
    /// Compares available capacity: Ascending puts the fullest first. A server that has the
    /// key sorts before one that lacks it, in either order.
    /// </summary>
    private static int ComparePriority(Priority priority, GameServer a, GameServer b)
    {
        var availableA = Available(priority, a);
        var availableB = Available(priority, b);
        if (availableA is null && availableB is null) return 0;
        if (availableA is null) return 1;
        if (availableB is null) return -1;
        var ascending = availableA.Value.CompareTo(availableB.Value);
        return priority.Order == PriorityOrder.Ascending ? ascending : -ascending;
    }

    private static long? Available(Priority priority, GameServer server) => priority.Type switch
    {
        PriorityType.Counter => server.Counters.TryGetValue(priority.Key, out var c) ? c.Available : null,
        _ => server.Lists.TryGetValue(priority.Key, out var l) ? l.Available : null,
    };
}
