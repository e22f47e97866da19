using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Allocator.Tests.Leadership;

/// <summary>What a replica reads from the members hash and leader-info about itself, on a real Redis.</summary>
public class MembershipTests
{
    /// <summary>A ready replica of one partition, announced in the members hash.</summary>
    private static async Task<Membership> ReplicaAsync(KeyLayout keys, string id, string version = "1.0.0")
    {
        var redis = await RedisServer.GetAsync();
        var membership = new Membership(redis.Connection, keys, new ReplicaIdentity(id, version), new LeaderShare(1, TimeProvider.System),
            Options.Create(new LeadershipOptions()), TimeProvider.System);
        membership.MarkReady();
        await membership.AnnounceAsync();
        return membership;
    }

    [Fact]
    public async Task The_replica_the_last_term_named_keeps_its_copy_though_it_is_no_standby()
    {
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(MembershipTests)));
        var db = (await RedisServer.GetAsync()).Connection.GetDatabase();
        var r1 = await ReplicaAsync(keys, "r1");
        var r2 = await ReplicaAsync(keys, "r2");
        var older = await ReplicaAsync(keys, "r3", "0.9.0");

        // begin_term names r1 before its term takes the copy: r2 is the standby, and r1 keeps
        // its copy for the term to take.
        await db.HashSetAsync(keys.LeaderInfo, "replica", "r1");
        Assert.Equal(["r2"], (await r1.WarmStandbysAsync()).Select(m => m.Replica));
        Assert.True(await r1.KeepsWarmCopyAsync());
        Assert.True(await r2.KeepsWarmCopyAsync());
        Assert.False(await older.KeepsWarmCopyAsync());

        await db.HashSetAsync(keys.LeaderInfo, "replica", "r2");
        Assert.Equal(["r1"], (await r2.WarmStandbysAsync()).Select(m => m.Replica));
        Assert.True(await r1.KeepsWarmCopyAsync());
        Assert.True(await r2.KeepsWarmCopyAsync());
        Assert.False(await older.KeepsWarmCopyAsync());
    }
}
