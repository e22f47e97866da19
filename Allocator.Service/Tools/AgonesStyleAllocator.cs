using System.Diagnostics.Metrics;
using Allocation.V1;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Api;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Grpc.Core;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// BENCHMARK COMPARATOR, not a product mode: one Agones allocator replica, behind our own front
/// (<c>baseline-replica</c>). It keeps its own cache of the occupancy hash, current through
/// change events (as an informer is), chooses the Packed best from it with the pure engine and
/// commits that one allocation with optimistic concurrency (<c>baseline_commit.lua</c>: a version
/// check, as a Kubernetes update checks the resourceVersion). A conflict is retried up to 5
/// times, 10 ms apart (Agones' policy), then the call is ABORTED. A server chosen by one call is
/// hidden from this process's other calls until its write is confirmed or refused, as Agones'
/// allocator takes a chosen server off its list: conflicts come from other replicas.
/// </summary>
public sealed class AgonesStyleAllocator : ILocalAllocation
{
    public const int Retries = 5;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(10);
    /// <summary>Version conflicts, retried ones included, as Prometheus exports them.</summary>
    public const string ConflictsMetric = "allocator_baseline_conflicts_total";

    private readonly IConnectionMultiplexer _redis;
    private readonly KeyLayout _keys;
    private readonly TimeProvider _time;
    private readonly RedisScript _commit = RedisScript.Load("baseline_commit");
    private readonly RedisChannel _changes;
    private readonly Counter<long> _conflicts;
    private readonly object _gate = new();
    private readonly Fleet _cache = new();
    private readonly AllocationEngine _engine;
    // The last confirmed version of each server (the cache's own copies get edited by the engine).
    private readonly Dictionary<string, GameServer> _confirmed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);

    public AgonesStyleAllocator(IConnectionMultiplexer redis, KeyLayout keys, IMeterFactory meters, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _time = time;
        _changes = RedisChannel.Literal($"{{{keys.Prefix}}}:baseline-changes");
        _engine = new AllocationEngine(_cache, new Random(Environment.ProcessId));
        _conflicts = meters.Create(AllocatorMetrics.MeterName).CreateCounter<long>("allocator.baseline.conflicts", null,
            "Benchmark comparator: optimistic commits refused because another replica changed the server first (retried ones included).");
    }

    /// <summary>Follows change events, then loads the hash: an event older than the loaded copy is ignored.</summary>
    public async Task StartAsync()
    {
        var events = await _redis.GetSubscriber().SubscribeAsync(_changes);
        events.OnMessage(message => Apply(GameServerJson.Deserialize(message.Message!)));
        foreach (var entry in await _redis.GetDatabase().HashGetAllAsync(_keys.GameServers)) Apply(GameServerJson.Deserialize(entry.Value!));
    }

    public async Task<Outcome> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var spec = SpecDecoder.ToSpec(request);
        string? conflict = null;
        for (var attempt = 0; attempt <= Retries; attempt++)
        {
            if (attempt > 0) await Task.Delay(RetryDelay, _time);
            if (_time.GetUtcNow() >= deadline) return Outcomes.Error(StatusCode.DeadlineExceeded, "deadline passed between conflicts; nothing was allocated");
            if (Pick(spec) is not { } pick) return Outcomes.Error(StatusCode.ResourceExhausted, "no game server matches the selectors");
            var (chosen, readVersion) = pick;

            long written;
            try
            {
                written = (long)await _commit.RunAsync(_redis.GetDatabase(), [_keys.GameServers],
                    [chosen.Key, readVersion, GameServerJson.Serialize(chosen), _changes.ToString()]);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Settle(chosen.Key, null);
                return Outcomes.Error(StatusCode.Unavailable, $"Redis unreachable, the allocation of {chosen.Key} may or may not be written: {RedisFailure.Short(e)}");
            }

            if (written == 1)
            {
                Settle(chosen.Key, chosen);
                return new Outcome { Allocation = ResponseEncoder.ToResponse(chosen) };
            }

            Settle(chosen.Key, null);
            _conflicts.Add(1);
            conflict = chosen.Key;
        }

        return Outcomes.Error(StatusCode.Aborted, $"version conflict on {conflict}: another allocator changed it first, {Retries + 1} attempts; nothing was allocated");
    }

    /// <summary>The chosen server as it is to be written, and the version it was read at; hidden until settled.</summary>
    private (GameServer Server, long ReadVersion)? Pick(AllocationSpec spec)
    {
        lock (_gate)
        {
            var picked = _engine.Allocate(spec, _time.GetUtcNow()).Server;
            if (picked is null) return null;
            var chosen = picked.Clone();
            _inFlight.Add(chosen.Key);
            _cache.Restore([(chosen.Key, null)]);
            return (chosen, _confirmed[chosen.Key].Version);
        }
    }

    /// <summary>The write of <paramref name="key"/> was confirmed (<paramref name="written"/>) or refused: show its latest version again.</summary>
    private void Settle(string key, GameServer? written)
    {
        lock (_gate)
        {
            _inFlight.Remove(key);
            if (written is not null && written.Version > _confirmed[key].Version) _confirmed[key] = written;
            _cache.Load(_confirmed[key].Clone());
        }
    }

    /// <summary>A server as stored (loaded, or a change event): an older version never replaces a newer one.</summary>
    private void Apply(GameServer server)
    {
        lock (_gate)
        {
            if (_confirmed.TryGetValue(server.Key, out var known) && known.Version >= server.Version) return;
            _confirmed[server.Key] = server;
            if (!_inFlight.Contains(server.Key)) _cache.Load(server.Clone());
        }
    }
}
