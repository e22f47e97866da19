using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>begin_term.lua: fence, bump the epoch, record the leader, make sure both request streams have the consumer group.</summary>
public sealed class BeginTermScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("begin_term");

    /// <summary>The new term's epoch, or null when the lease is not <paramref name="lockId"/>'s.</summary>
    public async Task<long?> RunAsync(IDatabaseAsync db, string lockId, string replica, string version, long startUnixMs)
    {
        var reply = await _script.RunAsync(db,
            [keys.Leader, keys.Epoch, keys.LeaderInfo, keys.Requests, keys.Inventory],
            [lockId, replica, version, startUnixMs, KeyLayout.ProcessorGroup]);
        var epoch = (long)reply;
        return epoch < 0 ? null : epoch;
    }
}
