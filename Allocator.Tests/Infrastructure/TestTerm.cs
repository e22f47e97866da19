using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace Allocator.Tests.Infrastructure;

/// <summary>A leadership term begun the way a leader begins one: RedLock lease, then begin_term.lua; and the leader's reader and committer.</summary>
internal static class TestTerm
{
    public static async Task<Lease> BeginAsync(ConnectionMultiplexer redis, KeyLayout keys)
    {
        var locks = RedLockFactory.Create([new RedLockMultiplexer(redis) { RedisKeyFormat = "{0}" }], new RedLockRetryConfiguration(1, 10));
        var redLock = await locks.CreateLockAsync(keys.Leader.ToString(), TimeSpan.FromSeconds(30));
        Assert.True(redLock.IsAcquired);
        return new Lease(redLock) { Epoch = await EpochAsync(redis.GetDatabase(), keys, redLock.LockId) };
    }

    /// <summary>Runs begin_term.lua for <paramref name="lockId"/>: the new epoch (-1 when the lease is not that id's).</summary>
    public static async Task<long> EpochAsync(IDatabase db, KeyLayout keys, string lockId) =>
        (await new BeginTermScript(keys).RunAsync(db, lockId, "tester", "1", 0))?.Epoch ?? -1;

    public static BatchReader Reader(KeyLayout keys) => new(keys, new ReplicaIdentity("tester", "1"), TimeProvider.System);

    public static BatchCommitter Committer(KeyLayout keys, TimeSpan? requestHistory = null, int minReplicas = 0)
    {
        var redis = Options.Create(new RedisOptions { MinReplicas = minReplicas, ReplicaWait = TimeSpan.FromMilliseconds(100) });
        return new(keys, new CommitScript(keys), new ReleaseScript(keys), new ReplicaAcks(redis, NullLogger<ReplicaAcks>.Instance),
            Options.Create(new ProcessingOptions { RequestHistory = requestHistory ?? TimeSpan.FromSeconds(60) }), Options.Create(new QueueOptions()), TimeProvider.System);
    }

    /// <summary>Commits as the leader would: numbered one past the commit counter in Redis.</summary>
    public static async Task<CommitResult> CommitAsync(this BatchCommitter committer, IDatabase db, KeyLayout keys, Lease lease, DecidedBatch batch) =>
        await committer.CommitAsync(db, lease, (long)await db.StringGetAsync(keys.Commit) + 1, batch);
}
