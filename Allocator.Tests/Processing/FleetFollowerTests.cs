using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Allocator.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Tests.Processing;

/// <summary>The standby's warm copy against a real Redis: it must equal the hash whenever a leader takes it.</summary>
public class FleetFollowerTests
{
    private sealed record Setup(IDatabase Db, KeyLayout Keys, Lease Lease, BatchCommitter Committer, FleetFollower Follower);

    private static readonly AllocatorMetrics Metrics = new(
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
        Options.Create(new MetricsOptions()));

    private static async Task<Setup> SetUpAsync(string name)
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(name));
        var db = redis.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(redis.Connection, keys);
        var committer = TestTerm.Committer(keys);
        return new Setup(db, keys, lease, committer, new FleetFollower(redis.Connection, keys, Metrics, NullLogger<FleetFollower>.Instance));
    }

    private static GameServer Server(string name, long rooms) => new()
    {
        Name = name,
        NodeName = "n1",
        Labels = new() { ["agones.dev/fleet"] = "f" },
        Counters = new() { ["rooms"] = new CounterState { Count = rooms, Capacity = 10 } },
    };

    private static Task CommitAsync(Setup s, GameServer[] changed, params string[] removed) =>
        s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, new DecidedBatch([], changed, removed));

    private static async Task AssertMirrorsHashAsync(Setup s, Fleet fleet)
    {
        var stored = (await s.Db.HashGetAllAsync(s.Keys.GameServers)).ToDictionary(e => (string)e.Name!, e => GameServerJson.Deserialize(e.Value!));
        Assert.Equal(stored.Keys.Order(), fleet.Servers.Select(g => g.Key).Order());
        Assert.All(fleet.Servers, g => Assert.Equal(stored[g.Key].Counters["rooms"].Count, g.Counters["rooms"].Count));
    }

    [Fact]
    public async Task The_copy_follows_every_commit_including_removals()
    {
        var s = await SetUpAsync(nameof(The_copy_follows_every_commit_including_removals));
        await CommitAsync(s, [Server("a", 0), Server("b", 0), Server("c", 0)]);
        await s.Follower.FollowAsync(); // full load

        await CommitAsync(s, [Server("a", 4)]);
        await CommitAsync(s, [Server("b", 7)], "default/c");
        await s.Follower.FollowAsync(); // replay two commits

        var (fleet, warm, _) = await s.Follower.TakeAsync();
        Assert.True(warm);
        await AssertMirrorsHashAsync(s, fleet);
        Assert.Equal(4, fleet.Find("default/a")!.Counters["rooms"].Count);
        Assert.Null(fleet.Find("default/c"));
    }

    [Fact]
    public async Task Commits_made_while_taking_over_are_in_the_copy_it_hands_out()
    {
        var s = await SetUpAsync(nameof(Commits_made_while_taking_over_are_in_the_copy_it_hands_out));
        await CommitAsync(s, [Server("a", 0)]);
        await s.Follower.FollowAsync();
        await CommitAsync(s, [Server("a", 9), Server("d", 1)]); // not followed yet

        var (fleet, _, _) = await s.Follower.TakeAsync();
        await AssertMirrorsHashAsync(s, fleet);
        Assert.Equal(9, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    [Fact]
    public async Task A_log_trimmed_past_the_copy_falls_back_to_a_full_load()
    {
        var s = await SetUpAsync(nameof(A_log_trimmed_past_the_copy_falls_back_to_a_full_load));
        await CommitAsync(s, [Server("a", 0), Server("b", 0)]);
        await s.Follower.FollowAsync();

        await CommitAsync(s, [Server("a", 3)]);
        await CommitAsync(s, [Server("b", 5)]);
        await s.Db.StreamTrimAsync(s.Keys.Changes, 1); // the entry for "a" is gone
        await s.Follower.FollowAsync();

        var (fleet, _, _) = await s.Follower.TakeAsync();
        await AssertMirrorsHashAsync(s, fleet);
        Assert.Equal(3, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    [Fact]
    public async Task While_a_term_holds_the_copy_the_follower_stands_still_then_reloads()
    {
        var s = await SetUpAsync(nameof(While_a_term_holds_the_copy_the_follower_stands_still_then_reloads));
        await CommitAsync(s, [Server("a", 0)]);
        var (taken, _, _) = await s.Follower.TakeAsync();
        taken.Edit(taken.Find("default/a")!, g => g.Counters["rooms"].Count = 8); // a batch that will not be committed

        await s.Follower.FollowAsync(); // leading: must not touch the term's fleet
        Assert.Equal(8, taken.Find("default/a")!.Counters["rooms"].Count);

        await s.Follower.ReleaseAsync();
        var (fresh, warm, _) = await s.Follower.TakeAsync();
        Assert.False(warm); // reloaded from the hash, not the term's edited copy
        await AssertMirrorsHashAsync(s, fresh);
    }

    [Fact]
    public async Task A_copy_claimed_by_a_starting_term_is_not_dropped_and_is_handed_over_warm()
    {
        var s = await SetUpAsync(nameof(A_copy_claimed_by_a_starting_term_is_not_dropped_and_is_handed_over_warm));
        await CommitAsync(s, [Server("a", 0), Server("b", 0)]);
        await s.Follower.FollowAsync();

        // begin_term has named this replica the leader, so the follower loop finds it is no
        // standby any more; the term that claimed the copy still takes it warm.
        s.Follower.Claim();
        Assert.True(s.Follower.Taken);
        await s.Follower.DropAsync();
        var (fleet, warm, _) = await s.Follower.TakeAsync();
        Assert.True(warm);
        await AssertMirrorsHashAsync(s, fleet);

        // A claim given back (the term did not begin) lets the copy be dropped again.
        await s.Follower.ReleaseAsync();
        await s.Follower.FollowAsync();
        s.Follower.Claim();
        s.Follower.Unclaim();
        await s.Follower.DropAsync();
        Assert.False((await s.Follower.TakeAsync()).Warm);
    }

    [Fact]
    public async Task A_copy_ahead_of_a_Redis_that_went_back_is_not_handed_over()
    {
        var s = await SetUpAsync(nameof(A_copy_ahead_of_a_Redis_that_went_back_is_not_handed_over));
        await CommitAsync(s, [Server("a", 0)]);
        await s.Follower.FollowAsync();
        await CommitAsync(s, [Server("a", 6)]);
        await s.Follower.FollowAsync(); // the copy has a at 6, and the log's last entry

        // A failover to a replica that never got the last commit: the hash, the log and its
        // sequence are back where they were before it.
        var last = (await s.Db.StreamRangeAsync(s.Keys.Changes, "-", "+", 1, Order.Descending))[0].Id;
        await s.Db.StreamDeleteAsync(s.Keys.Changes, [last]);
        await s.Db.StringDecrementAsync(s.Keys.ChangeSeq);
        await s.Db.HashSetAsync(s.Keys.GameServers, "default/a", GameServerJson.Serialize(Server("a", 0)));

        var (fleet, warm, _) = await s.Follower.TakeAsync();
        Assert.False(warm);
        await AssertMirrorsHashAsync(s, fleet);
        Assert.Equal(0, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    [Fact]
    public async Task A_Redis_failure_while_following_keeps_the_copy_so_nothing_is_loaded_again()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(A_Redis_failure_while_following_keeps_the_copy_so_nothing_is_loaded_again)));
        var db = redis.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(redis.Connection, keys);
        using var followerConnection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",syncTimeout=300,asyncTimeout=300");
        var follower = new FleetFollower(followerConnection, keys, Metrics, NullLogger<FleetFollower>.Instance);
        var s = new Setup(db, keys, lease, TestTerm.Committer(keys), follower);
        await CommitAsync(s, [Server("a", 0), Server("b", 0)]);
        await follower.FollowAsync(); // the one full load

        // Redis stops answering (a frozen or failing-over primary) while the follower reads.
        await redis.PauseAsync(true);
        try
        {
            await Assert.ThrowsAsync<RedisTimeoutException>(follower.FollowAsync);
        }
        finally
        {
            await redis.PauseAsync(false);
        }

        await CommitAsync(s, [Server("a", 5)]);
        await follower.FollowAsync();
        var (fleet, warm, _) = await follower.TakeAsync();

        Assert.True(warm);
        Assert.Equal(1, await HashLoadsAsync(redis)); // went on from its position: no second HGETALL
        await AssertMirrorsHashAsync(s, fleet);
        Assert.Equal(5, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    private static async Task<long> HashLoadsAsync(RedisServer redis)
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var stats = await admin.GetServer(redis.ConnectionString).InfoAsync("commandstats");
        var hgetall = stats.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_hgetall").Value;
        return hgetall is null ? 0 : long.Parse(hgetall.Split("calls=")[1].Split(',')[0]);
    }
}
