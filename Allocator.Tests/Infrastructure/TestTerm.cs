using Allocator.Service.Leadership;
using Allocator.Service.Storage;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace Allocator.Tests.Infrastructure;

/// <summary>A leadership term begun the way a leader begins one: RedLock lease, then begin_term.lua.</summary>
internal static class TestTerm
{
    public static readonly Scripts Scripts = new();

    public static async Task<Lease> BeginAsync(ConnectionMultiplexer redis, KeyLayout keys)
    {
        var locks = RedLockFactory.Create([new RedLockMultiplexer(redis) { RedisKeyFormat = "{0}" }], new RedLockRetryConfiguration(1, 10));
        var redLock = await locks.CreateLockAsync(keys.Leader.ToString(), TimeSpan.FromSeconds(30));
        Assert.True(redLock.IsAcquired);
        return new Lease(redLock) { Epoch = await EpochAsync(redis.GetDatabase(), keys, redLock.LockId) };
    }

    /// <summary>Runs begin_term.lua for <paramref name="lockId"/>: the new epoch (-1 when the lease is not that id's).</summary>
    public static async Task<long> EpochAsync(IDatabase db, KeyLayout keys, string lockId) =>
        (long)((RedisResult[])(await Scripts.BeginTerm.RunAsync(db, [keys.Leader, keys.Epoch, keys.LeaderInfo, keys.Requests, keys.Inventory, keys.Seed],
            [lockId, "tester", "1", 0, KeyLayout.ProcessorGroup]))!)[0];
}
