using Allocator.Service.Allocation;

namespace Allocator.Service.Telemetry;

/// <summary>
/// What the leader reports about its game servers, shaped as Agones' controller reports them
/// (<c>agones_gameservers_count</c>, <c>agones_fleet_counters</c>, <c>agones_fleet_lists</c>).
/// </summary>
public sealed record FleetTally(IReadOnlyList<FleetStateCount> States, IReadOnlyList<FleetAggregate> Counters, IReadOnlyList<FleetAggregate> Lists)
{
    /// <summary>The Agones label that names a game server's fleet.</summary>
    public const string FleetLabel = "agones.dev/fleet";

    public static FleetTally Of(IEnumerable<GameServer> servers)
    {
        var states = new Dictionary<(string Fleet, string Namespace, string State), long>();
        var counters = new Dictionary<(string, string, string), Sums>();
        var lists = new Dictionary<(string, string, string), Sums>();
        foreach (var server in servers)
        {
            var fleet = server.Labels.GetValueOrDefault(FleetLabel, "");
            // Agones keeps an emptied state at 0 rather than dropping it: "no Ready servers" reads as 0, not as no data.
            foreach (var always in (ReadOnlySpan<string>)[GameServerStates.Ready, GameServerStates.Allocated]) states.TryAdd((fleet, server.Namespace, always), 0);
            states[(fleet, server.Namespace, server.State)] = states.GetValueOrDefault((fleet, server.Namespace, server.State)) + 1;

            // A fleet's totals, as Agones aggregates them: every server of the fleet that is not shutting down.
            if (fleet.Length == 0 || server.State == GameServerStates.Shutdown) continue;
            var allocated = server.State == GameServerStates.Allocated;
            foreach (var (name, counter) in server.Counters) Add(counters, (fleet, server.Namespace, name), counter.Count, counter.Capacity, allocated);
            foreach (var (name, list) in server.Lists) Add(lists, (fleet, server.Namespace, name), list.Values.Count, list.Capacity, allocated);
        }

        return new FleetTally(
            [.. states.Select(kv => new FleetStateCount(kv.Key.Fleet, kv.Key.Namespace, kv.Key.State, kv.Value))],
            Aggregates(counters),
            Aggregates(lists));
    }

    private static void Add(Dictionary<(string, string, string), Sums> sums, (string, string, string) key, long count, long capacity, bool allocated)
    {
        var sum = sums.GetValueOrDefault(key) ?? (sums[key] = new Sums());
        sum.Count += count;
        sum.Capacity += capacity;
        if (!allocated) return;
        sum.AllocatedCount += count;
        sum.AllocatedCapacity += capacity;
    }

    private static FleetAggregate[] Aggregates(Dictionary<(string Fleet, string Namespace, string Key), Sums> sums) =>
        [.. sums.Select(kv => new FleetAggregate(kv.Key.Fleet, kv.Key.Namespace, kv.Key.Key, kv.Value.AllocatedCount, kv.Value.AllocatedCapacity, kv.Value.Count, kv.Value.Capacity))];

    private sealed class Sums
    {
        public long Count, Capacity, AllocatedCount, AllocatedCapacity;
    }
}

/// <summary>Game servers of one fleet (empty: none) and namespace in one state.</summary>
public sealed record FleetStateCount(string Fleet, string Namespace, string State, long Count);

/// <summary>One counter or list summed over a fleet: over its Allocated servers, and over all of them.</summary>
public sealed record FleetAggregate(string Fleet, string Namespace, string Key, long AllocatedCount, long AllocatedCapacity, long TotalCount, long TotalCapacity);
