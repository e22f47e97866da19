using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.Options;
using static Allocator.Service.Telemetry.AgonesMetricNames;

namespace Allocator.Service.Telemetry;

/// <summary>
/// Every metric a replica exports (docs/operations.md "Metrics"): under Agones' names and labels
/// where Agones has the metric, as <c>allocator_*</c> where it has none. Fronts record calls; the
/// leader publishes a <see cref="LeaderSnapshot"/> every few seconds, which the gauges read, so
/// scrapes never touch the leader's fleet.
/// </summary>
public sealed class AllocatorMetrics
{
    public const string MeterName = "Allocator";

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _allocations;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<long> _batchSize;
    private readonly Counter<long> _leaderChanges;
    private readonly Histogram<double> _failoverGap;
    private readonly Counter<long> _relists;
    private readonly Counter<long> _writeBacks;
    private readonly Histogram<double> _writeBackLag;
    // What this replica leads, by partition: the gauges read the latest snapshot of each.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, LeaderSnapshot> _leading = new();
    // Game servers in this replica's warm copy of each partition it is a standby of.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, int> _warmCopies = new();

    public AllocatorMetrics(IMeterFactory meters, IOptions<MetricsOptions> options)
    {
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>(AllocationDuration, "s", "Allocate calls, from arrival to answer, with Agones' labels: status Allocated, UnAllocated or error.");
        _allocations = meter.CreateCounter<long>("allocator.allocations", null, "Allocate calls answered, by gRPC status.");
        _inFlight = meter.CreateUpDownCounter<long>("allocator.calls.in_flight", null, "Calls waiting for the leader on this replica (bounded by MaxInFlight).");
        _batchSize = meter.CreateHistogram<long>("allocator.batch.size", null, "Requests per leader batch.");
        _leaderChanges = meter.CreateCounter<long>("allocator.leader.changes", null, "Leadership terms this replica began.");
        _failoverGap = meter.CreateHistogram<double>("allocator.failover.gap", "s", "At the start of a term: how long the oldest waiting request had waited for a leader.");
        _relists = meter.CreateCounter<long>("allocator.relists", null, "Kubernetes mode: full lists of GameServers, by reason: initial (nothing stored to resume from) or expired (a resume met 410 Gone: the API server's watch history no longer reaches back); a leader change makes none by itself.");
        _writeBacks = meter.CreateCounter<long>("allocator.writebacks", null, "Kubernetes mode: game server write-backs, by result (applied, already_applied, conflict, stale_copy, gone, no_room, refused, error).");
        _writeBackLag = meter.CreateHistogram<double>("allocator.writeback.lag", "s", "Kubernetes mode: from the commit of an allocation to Kubernetes accepting it (per outbox entry).");
        meter.CreateObservableGauge("allocator.leader", () => _leading.Count, null, "Partitions this replica leads (1 on the leader with one partition, 0 elsewhere).");
        meter.CreateObservableGauge("allocator.epoch", () => MeasureByPartition((p, l) => [new Measurement<long>(l.Epoch, Tag("partition", p))]), null, "Leadership term of each partition's current leader (reported by the leader).");
        meter.CreateObservableGauge("allocator.standby.servers", () => _warmCopies.Select(kv => new Measurement<long>(kv.Value, Tag("partition", kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)))), null, "Game servers in this replica's warm copy of a partition's fleet; absent for partitions it keeps no copy of (it leads them, or another replica is their warm standby).");
        meter.CreateObservableGauge("allocator.queue.depth", () => MeasureByPartition((p, l) => l.Streams.Select(s => new Measurement<long>(s.Undelivered, Tag("stream", s.Stream), Tag("partition", p)))), null, "Stream entries not yet read by the leader.");
        meter.CreateObservableGauge("allocator.queue.pending", () => MeasureByPartition((p, l) => l.Streams.Select(s => new Measurement<long>(s.Pending, Tag("stream", s.Stream), Tag("partition", p)))), null, "Stream entries read but not yet answered.");
        if (options.Value.GameServerGauges ?? true)
        {
            meter.CreateObservableGauge(GameServersCount, () => Measure(l => l.Fleets.States.Select(s => new Measurement<long>(s.Count, Tag("type", s.State), Tag("fleet_name", s.Fleet.Length > 0 ? s.Fleet : None), Tag("namespace", s.Namespace)))), null, "Game servers by state, fleet and namespace (reported by the leader).");
            meter.CreateObservableGauge(FleetCounters, () => Measure(l => Aggregates(l.Fleets.Counters, "counter")), null, "Counter counts and capacities summed over a fleet: over its Allocated servers, and over all (reported by the leader).");
            meter.CreateObservableGauge(FleetLists, () => Measure(l => Aggregates(l.Fleets.Lists, "list")), null, "List lengths and capacities summed over a fleet: over its Allocated servers, and over all (reported by the leader).");
        }
    }

    public void CallStarted() => _inFlight.Add(1);

    /// <param name="fleet">The allocated server's <c>agones.dev/fleet</c> label; null when none was allocated.</param>
    public void CallEnded(double seconds, StatusCode status, string scheduling, string? fleet, bool multiCluster)
    {
        _inFlight.Add(-1);
        _duration.Record(seconds, new TagList
        {
            { "fleet_name", string.IsNullOrEmpty(fleet) ? None : fleet },
            { "cluster_name", None },
            { "is_multicluster", multiCluster ? "true" : "false" },
            { "status", Status(status) },
            { "scheduling_strategy", scheduling },
        });
        _allocations.Add(1, Tag("status", status.ToString()));
    }

    public void Batch(int size) => _batchSize.Record(size);

    public void TermBegan() => _leaderChanges.Add(1);

    /// <param name="reason"><c>initial</c> or <c>expired</c>.</param>
    public void Relisted(string reason) => _relists.Add(1, Tag("reason", reason));

    public void WriteBack(string result) => _writeBacks.Add(1, Tag("result", result));

    public void WriteBackLag(double seconds) => _writeBackLag.Record(seconds);

    public void FailoverGap(double seconds) => _failoverGap.Record(seconds);

    public void Leading(int partition, LeaderSnapshot snapshot) => _leading[partition] = snapshot;

    public void SteppedDown(int partition) => _leading.TryRemove(partition, out _);

    /// <summary>This replica's warm copy of a partition's fleet now holds <paramref name="servers"/> game servers; null: it holds none.</summary>
    public void WarmCopy(int partition, int? servers)
    {
        if (servers is { } count) _warmCopies[partition] = count;
        else _warmCopies.TryRemove(partition, out _);
    }

    // Fleets live in one partition each, so the game-server gauges need no partition label.
    private IEnumerable<Measurement<long>> Measure(Func<LeaderSnapshot, IEnumerable<Measurement<long>>> read) =>
        _leading.Values.SelectMany(read);

    private IEnumerable<Measurement<long>> MeasureByPartition(Func<string, LeaderSnapshot, IEnumerable<Measurement<long>>> read) =>
        _leading.SelectMany(kv => read(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv.Value));

    private static IEnumerable<Measurement<long>> Aggregates(IEnumerable<FleetAggregate> aggregates, string keyLabel) =>
        aggregates.SelectMany(a => new[] { a.AllocatedCount, a.AllocatedCapacity, a.TotalCount, a.TotalCapacity }.Select((value, i) =>
            new Measurement<long>(value, Tag("name", a.Fleet), Tag("namespace", a.Namespace), Tag("type", AggregateTypes[i]), Tag(keyLabel, a.Key))));

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
}
