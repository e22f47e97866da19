using Grpc.Core;

namespace Allocator.Service.Telemetry;

/// <summary>
/// Agones' metric names and label values (its "Metrics available" table; the allocation
/// histogram as its allocator records it), so Agones' Grafana dashboards and alerts read ours
/// unchanged. The Prometheus exporter turns dots into underscores and appends the unit.
/// </summary>
public static class AgonesMetricNames
{
    /// <summary><c>agones_gameserver_allocations_duration_seconds</c>.</summary>
    public const string AllocationDuration = "agones.gameserver.allocations.duration";
    /// <summary><c>agones_gameservers_count</c>: labels <c>type</c> (state), <c>fleet_name</c>, <c>namespace</c>.</summary>
    public const string GameServersCount = "agones.gameservers.count";
    /// <summary><c>agones_fleet_counters</c>: labels <c>name</c> (fleet), <c>namespace</c>, <c>type</c>, <c>counter</c>.</summary>
    public const string FleetCounters = "agones.fleet.counters";
    /// <summary><c>agones_fleet_lists</c>: labels <c>name</c> (fleet), <c>namespace</c>, <c>type</c>, <c>list</c>.</summary>
    public const string FleetLists = "agones.fleet.lists";

    /// <summary>Agones' value for a label it has nothing for (no fleet, no cluster name).</summary>
    public const string None = "none";

    /// <summary>
    /// The <c>status</c> of an allocation: Agones' GameServerAllocation states, or <c>error</c>
    /// for a call that failed. Contention (Agones' optimistic update lost a race) cannot happen
    /// with a single decider, so it never appears.
    /// </summary>
    public static string Status(StatusCode code) => code switch
    {
        StatusCode.OK => "Allocated",
        StatusCode.ResourceExhausted => "UnAllocated",
        _ => "error",
    };

    /// <summary>The <c>type</c> values of the fleet counter and list gauges.</summary>
    public static readonly string[] AggregateTypes = ["allocated_count", "allocated_capacity", "total_count", "total_capacity"];
}
