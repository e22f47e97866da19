namespace Allocator.Service.Telemetry;

/// <summary>What <c>/metrics</c> exports (section <c>Allocator:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// The leader exports the game-server gauges under Agones' names (<c>agones_gameservers_count</c>,
    /// <c>agones_fleet_counters</c>, <c>agones_fleet_lists</c>). Unset: on in stand-alone mode, off in
    /// Kubernetes mode, where Agones' controller exports the same series from the same GameServers
    /// and both together would double every sum.
    /// </summary>
    public bool? GameServerGauges { get; set; }
}
