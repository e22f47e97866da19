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
        // The call must outlive a leader's start on a busy machine: a deadline of 2 minutes.
        await using var front = await ReplicaProcess.StartAsync("front", redis.ConnectionString, prefix, "--Allocator:Lead=false", "--Allocator:MaxDeadline=00:02:00");

        // No leader yet: the call waits, its request queued.
        var call = front.Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync;
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
        var answer = await call.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.StartsWith("demo-", answer.GameServerName);
        Assert.Contains("waiting calls queued again", front.Log);
    }

    /// <summary>
    /// A Redis of the test's own and a leader on a user of its own, whose scripts and stream
    /// reads can be made to fail (as on a primary that went away) while other clients go on. Leases last 10 minutes:
    /// a new term within a test's time can only come from a freed lease.
    /// </summary>
    private sealed class ScriptsFailing : IAsyncDisposable
    {
        private ConnectionMultiplexer _admin = null!;
        public RedisServer Redis { get; private set; } = null!;
        public string Prefix { get; } = RedisServer.UniquePrefix(nameof(RedisFailoverTests));
        public KeyLayout Keys => new(Prefix);
        public IDatabase Db => Redis.Connection.GetDatabase();
        public ReplicaProcess Leader { get; private set; } = null!;

        public static async Task<ScriptsFailing> StartAsync(params string[] settings)
        {
            var setup = new ScriptsFailing { Redis = await RedisServer.StartOwnAsync() };
            setup._admin = await ConnectionMultiplexer.ConnectAsync(setup.Redis.ConnectionString + ",allowAdmin=true");
            await setup.AclAsync("on", ">secret", "~*", "&*", "+@all");
            setup.Leader = await ReplicaProcess.StartAsync("leader", setup.Redis.ConnectionString, setup.Prefix,
                ["--Allocator:RedisUser=allocator", "--Allocator:RedisPassword=secret", "--Allocator:LeaseTtl=00:10:00",
                 "--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=4,counter=rooms,fleet=demo", .. settings]);
            await Until.TrueAsync(async () => (long?)await setup.Db.StringGetAsync(setup.Keys.Epoch) == 1, "the first term begins", () => setup.Leader.Log);
            return setup;
        }

        private Task FailScriptsAsync() => AclAsync("-eval", "-evalsha", "-xreadgroup");

        /// <summary>
        /// Makes the leader's scripts fail until its term has ended and its release has been
        /// tried (and failed), then lets them run again: restoring earlier, on a busy machine,
        /// would let the release succeed and leave nothing to free.
        /// </summary>
        public async Task EndTermWithItsLeaseAsync()
        {
            await FailScriptsAsync();
            await Until.TrueAsync(() => Task.FromResult(Leader.Log.Contains("Leadership term ended by a Redis failure")), "the term ends", () => Leader.Log);
            await Until.TrueAsync(() => Task.FromResult(Leader.Log.Contains("Leader lease released and announced") || Leader.Log.Contains("Could not release the leader lease")),
                "the replica tries to release its lease", () => Leader.Log);
        }

        public Task RestoreScriptsAsync() => AclAsync("+eval", "+evalsha", "+xreadgroup");

        private Task AclAsync(params string[] rules) =>
            _admin.GetServer(Redis.ConnectionString).ExecuteAsync("ACL", ["SETUSER", "allocator", .. rules]);

        public async ValueTask DisposeAsync()
        {
            await Leader.DisposeAsync();
            _admin.Dispose();
            await Redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_term_ended_by_a_Redis_failure_frees_its_lease_once_Redis_answers_instead_of_waiting_out_its_TTL()
    {
        await using var setup = await ScriptsFailing.StartAsync();
        var (db, keys, leader) = (setup.Db, setup.Keys, setup.Leader);
        var firstLock = (string?)await db.StringGetAsync(keys.Leader);

        // The term ends on a Redis failure and its release fails too, so its lease stays (as on
        // a promoted replica that has the key).
        await setup.EndTermWithItsLeaseAsync();
        Assert.Equal(firstLock, (string?)await db.StringGetAsync(keys.Leader));

        await setup.RestoreScriptsAsync();
        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 2, "a new term begins", () => leader.Log, seconds: 120);
        // The log line travels through the process' console; it can arrive after the epoch is seen.
        await Until.TrueAsync(() => Task.FromResult(leader.Log.Contains("Freed the lease of this replica's term")), "the replica says it freed the lease", () => leader.Log);
        Assert.NotEqual(firstLock, (string?)await db.StringGetAsync(keys.Leader));
    }

    [Fact]
    public async Task After_a_term_ended_by_a_Redis_failure_a_ready_standby_leads_from_its_warm_copy()
    {
        // A long head start: only the standby may take the freed lease within the test's time,
        // however busy the machine.
        await using var setup = await ScriptsFailing.StartAsync("--Allocator:StandbyHeadStart=00:10:00");
        var (db, keys, leader) = (setup.Db, setup.Keys, setup.Leader);
        await using var standby = await ReplicaProcess.StartAsync("standby", setup.Redis.ConnectionString, setup.Prefix, "--Allocator:LeaseTtl=00:10:00");
        await Until.TrueAsync(async () => ((string?)await db.HashGetAsync(keys.Members, "standby"))?.Contains("\"ready\":true") == true,
            "the standby is ready", () => standby.Log);

        // The leader's term ends on a Redis failure, and its copy of the fleet with it.
        await setup.EndTermWithItsLeaseAsync();
        await setup.RestoreScriptsAsync();

        await Until.TrueAsync(async () => (long?)await db.StringGetAsync(keys.Epoch) == 2, "a new term begins", () => leader.Log + standby.Log, seconds: 120);
        await Until.TrueAsync(() => Task.FromResult(standby.Log.Contains("Leading: replica standby epoch 2")), "the standby says it leads", () => standby.Log);
        Assert.Contains("from warm copy", standby.Log);
        // The replica whose term ended held no copy any more: it left the lease to the standby.
        Assert.DoesNotContain("Leading: replica leader epoch 2", leader.Log);
    }
}
