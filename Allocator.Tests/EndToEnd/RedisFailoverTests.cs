using Allocator.Service.Api;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.EndToEnd;

/// <summary>What a Redis failover does to calls in flight, with replica processes and a real Redis of the test's own.</summary>
public class RedisFailoverTests
{
    [Fact]
    public async Task A_call_whose_queued_request_Redis_lost_is_queued_again_after_the_reconnect_and_answered()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var prefix = RedisServer.UniquePrefix(nameof(RedisFailoverTests));
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        await using var front = await ReplicaProcess.StartAsync("front", redis.ConnectionString, prefix, "--Allocator:Lead=false");

        // No leader yet: the call waits, its request queued.
        var call = front.Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync;
        await Until.TrueAsync(async () => await db.StreamLengthAsync(keys.Requests) == 1, "the call is queued");

        // What a failover to a replica that never got the entry does: the entry is gone and the
        // front's connection drops (here: CLIENT KILL), so it reconnects to "the new primary".
        await db.KeyDeleteAsync(keys.Requests);
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        }

        await Until.TrueAsync(async () => await db.StreamLengthAsync(keys.Requests) > 0, "the front queues the call again", () => front.Log);

        await using var leader = await ReplicaProcess.StartAsync("leader", redis.ConnectionString, prefix,
            "--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=4,counter=rooms,fleet=demo");
        var answer = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("demo-", answer.GameServerName);
        Assert.Contains("waiting calls queued again", front.Log);
    }

    [Fact]
    public async Task A_term_ended_by_a_Redis_failure_frees_its_lease_once_Redis_answers_instead_of_waiting_out_its_TTL()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var prefix = RedisServer.UniquePrefix(nameof(RedisFailoverTests));
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var acl = admin.GetServer(redis.ConnectionString);
        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "on", ">secret", "~*", "&*", "+@all");
        // A lease of 10 minutes: a new term within the test's time can only come from the freed lease.
        await using var leader = await ReplicaProcess.StartAsync("leader", redis.ConnectionString, prefix,
            "--Allocator:RedisUser=allocator", "--Allocator:RedisPassword=secret", "--Allocator:LeaseTtl=00:10:00",
            "--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=4,counter=rooms,fleet=demo");
        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 1, "the first term begins", () => leader.Log);
        var firstLock = (string?)await db.StringGetAsync(keys.Leader);

        // Scripts fail (as on a primary that went away): the term ends on a Redis failure and its
        // release fails too, so its lease stays (as on a promoted replica that has the key).
        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "-eval", "-evalsha");
        await Until.TrueAsync(() => Task.FromResult(leader.Log.Contains("Leadership term ended by a Redis failure")), "the term ends", () => leader.Log);
        Assert.Equal(firstLock, (string?)await db.StringGetAsync(keys.Leader));

        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "+eval", "+evalsha");
        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 2, "a new term begins", () => leader.Log, seconds: 120);
        // The log line travels through the process' console; it can arrive after the epoch is seen.
        await Until.TrueAsync(() => Task.FromResult(leader.Log.Contains("Freed the lease of this replica's term")), "the replica says it freed the lease", () => leader.Log);
        Assert.NotEqual(firstLock, (string?)await db.StringGetAsync(keys.Leader));
    }

    [Fact]
    public async Task After_a_term_ended_by_a_Redis_failure_a_ready_standby_leads_from_its_warm_copy()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var prefix = RedisServer.UniquePrefix(nameof(RedisFailoverTests));
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var acl = admin.GetServer(redis.ConnectionString);
        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "on", ">secret", "~*", "&*", "+@all");
        // Long leases and a long head start: only the freed lease can start a term, and only the
        // standby may take it within the test's time, however busy the machine.
        await using var leader = await ReplicaProcess.StartAsync("leader", redis.ConnectionString, prefix,
            "--Allocator:RedisUser=allocator", "--Allocator:RedisPassword=secret", "--Allocator:LeaseTtl=00:10:00", "--Allocator:StandbyHeadStart=00:10:00",
            "--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=4,counter=rooms,fleet=demo");
        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 1, "the first term begins", () => leader.Log);
        await using var standby = await ReplicaProcess.StartAsync("standby", redis.ConnectionString, prefix, "--Allocator:LeaseTtl=00:10:00");
        await Until.TrueAsync(async () => ((string?)await db.HashGetAsync(keys.Members, "standby"))?.Contains("\"ready\":true") == true,
            "the standby is ready", () => standby.Log);

        // The leader's scripts fail (as on a primary that went away): its term ends on a Redis
        // failure, and its copy of the fleet with it.
        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "-eval", "-evalsha");
        await Until.TrueAsync(() => Task.FromResult(leader.Log.Contains("Leadership term ended by a Redis failure")), "the term ends", () => leader.Log);
        await acl.ExecuteAsync("ACL", "SETUSER", "allocator", "+eval", "+evalsha");

        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 2, "a new term begins", () => leader.Log + standby.Log, seconds: 120);
        await Until.TrueAsync(() => Task.FromResult(standby.Log.Contains("Leading: replica standby epoch 2")), "the standby says it leads", () => standby.Log);
        Assert.Contains("from warm copy", standby.Log);
        Assert.Contains("Replica standby may lead first", leader.Log);
    }
}
