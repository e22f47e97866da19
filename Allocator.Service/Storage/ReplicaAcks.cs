using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// <c>WAIT</c> for <see cref="RedisOptions.MinReplicas"/>: every write made so far on a
/// connection is on that many replicas, so an asynchronous failover cannot lose it. Redis' own
/// caveat holds: this is not strong consistency (a failover may still promote a replica that
/// did not acknowledge), but Sentinel prefers the replica with the most data.
/// </summary>
public sealed class ReplicaAcks(IOptions<RedisOptions> options, ILogger<ReplicaAcks> log)
{
    public bool Required => options.Value.MinReplicas > 0;

    /// <summary>
    /// True once MinReplicas replicas have every write of <paramref name="db"/>'s connection to
    /// the primary that holds <paramref name="key"/> (on Redis Cluster, the partition's shard);
    /// false when <paramref name="keepWaiting"/> turns false first (the lease was lost).
    /// </summary>
    public async Task<bool> WaitAsync(IDatabaseAsync db, RedisKey key, Func<bool> keepWaiting)
    {
        if (!Required) return true;
        var wanted = options.Value.MinReplicas;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var warned = false;
        while (true)
        {
            // On the primary the commit went to: WAIT counts that connection's writes.
            var acked = (long)await db.Multiplexer.GetServer(key, flags: CommandFlags.DemandMaster).ExecuteAsync("WAIT", [wanted, (long)options.Value.ReplicaWait.TotalMilliseconds], CommandFlags.DemandMaster);
            if (acked >= wanted)
            {
                if (warned) StorageLog.ReplicasBack(log, wanted, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }

            if (!warned) StorageLog.ReplicasMissing(log, acked, wanted, options.Value.ReplicaWait.TotalMilliseconds);
            warned = true;
            if (!keepWaiting()) return false;
        }
    }
}
