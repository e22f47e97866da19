using System.Collections.Concurrent;
using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// BENCHMARK COMPARATOR, not a product mode: the multi-replica design Agones uses. N allocator
/// workers, each with its own cache of the occupancy hash kept current by change events (as an
/// informer would), each choosing the Packed best from its cache and committing that one
/// allocation with optimistic concurrency (a version check in Redis). A conflict is retried up
/// to 5 times, 10 ms apart (Agones' policy), then the call fails.
/// </summary>
public sealed class AgonesStyleBaseline : IAsyncDisposable
{
    public const int Retries = 5;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(10);

    private readonly IConnectionMultiplexer _redis;
    private readonly KeyLayout _keys;
    private readonly RedisScript _commit = RedisScript.Load("baseline_commit");
    private readonly Worker[] _workers;
    private readonly RedisChannel _changes;

    private AgonesStyleBaseline(IConnectionMultiplexer redis, KeyLayout keys, int workers)
    {
        _redis = redis;
        _keys = keys;
        _changes = RedisChannel.Literal($"{{{keys.Prefix}}}:baseline-changes");
        _workers = Enumerable.Range(0, workers).Select(i => new Worker(this, i)).ToArray();
    }

    public long Conflicts => _workers.Sum(w => Interlocked.Read(ref w.Conflicts));

    public static async Task<AgonesStyleBaseline> StartAsync(IConnectionMultiplexer redis, KeyLayout keys, int workers)
    {
        var baseline = new AgonesStyleBaseline(redis, keys, workers);
        var all = await redis.GetDatabase().HashGetAllAsync(keys.GameServers);
        foreach (var worker in baseline._workers)
        {
            foreach (var entry in all) worker.Apply(GameServerJson.Deserialize(entry.Value!));
        }

        // The informer: every committed change reaches every worker's cache, in order per worker.
        var queue = await redis.GetSubscriber().SubscribeAsync(baseline._changes);
        queue.OnMessage(message =>
        {
            var server = GameServerJson.Deserialize(message.Message!);
            foreach (var worker in baseline._workers) worker.Apply(server.Clone());
        });
        return baseline;
    }

    /// <summary>One Allocate through worker <paramref name="caller"/> % N; null when it failed (no match or conflicts).</summary>
    public Task<(GameServer? Server, bool Conflicted)> AllocateAsync(int caller, AllocationSpec spec) => _workers[caller % _workers.Length].AllocateAsync(spec);

    public ValueTask DisposeAsync()
    {
        _redis.GetSubscriber().Unsubscribe(_changes);
        return ValueTask.CompletedTask;
    }

    private sealed class Worker(AgonesStyleBaseline owner, int id)
    {
        private readonly object _gate = new();
        private readonly Fleet _cache = new();
        // The last confirmed version of each server (the cache's own copies get edited by the engine).
        private readonly Dictionary<string, GameServer> _confirmed = new(StringComparer.Ordinal);
        private readonly Random _random = new(id);
        public long Conflicts;

        public void Apply(GameServer server)
        {
            lock (_gate)
            {
                // An older version never replaces a newer one (events and own writes race).
                if (_confirmed.TryGetValue(server.Key, out var known) && known.Version >= server.Version) return;
                _confirmed[server.Key] = server;
                _cache.Load(server.Clone());
            }
        }

        public async Task<(GameServer?, bool)> AllocateAsync(AllocationSpec spec)
        {
            var conflicted = false;
            for (var attempt = 0; attempt <= Retries; attempt++)
            {
                GameServer? chosen;
                string readVersion;
                lock (_gate)
                {
                    var engine = new AllocationEngine(_cache, _random);
                    var picked = engine.Allocate(spec, DateTimeOffset.UtcNow).Server;
                    if (picked is null) return (null, conflicted);
                    chosen = picked.Clone();
                    readVersion = _confirmed[chosen.Key].Version.ToString();
                    // The cache changes only when the write is confirmed (or an event arrives).
                    _cache.Restore([(chosen.Key, _confirmed[chosen.Key].Clone())]);
                }

                var written = (long)await owner._commit.RunAsync(owner._redis.GetDatabase(), [owner._keys.GameServers],
                    [chosen.Key, readVersion, GameServerJson.Serialize(chosen), owner._changes.ToString()]);
                if (written == 1)
                {
                    Apply(chosen);
                    return (chosen, conflicted);
                }

                conflicted = true;
                Interlocked.Increment(ref Conflicts);
                await Task.Delay(RetryDelay);
            }

            return (null, conflicted);
        }
    }
}
