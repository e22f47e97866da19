using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>begin_term.lua: fence, bump the epoch, record the leader, make sure both request streams have the consumer group.</summary>
public sealed class BeginTermScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("begin_term");

    /// <summary>The new term's epoch and the commit counter it starts from, or null when the lease is not <paramref name="lockId"/>'s.</summary>
    public async Task<(long Epoch, long Commit)?> RunAsync(IDatabaseAsync db, string lockId, string replica, string version, long startUnixMs)
    {
        var reply = (RedisResult[])(await _script.RunAsync(db,
            [keys.Leader, keys.Epoch, keys.LeaderInfo, keys.Requests, keys.Inventory, keys.Commit],
            [lockId, replica, version, startUnixMs, KeyLayout.ProcessorGroup]))!;
        var epoch = (long)reply[0];
        return epoch < 0 ? null : (epoch, (long)reply[1]);
    }
}
