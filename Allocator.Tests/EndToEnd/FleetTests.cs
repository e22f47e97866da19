using Allocator.Service.Api;
using System.Collections.Concurrent;
using Allocation.V1;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.EndToEnd;

/// <summary>Three replica processes on one Redis, the way the product runs.</summary>
public class FleetTests
{
    private const string DemoFleet = "--Allocator:Inventory:DemoFleet=servers=100,nodes=10,capacity=10,counter=rooms,fleet=demo";

    [Fact]
    public async Task Three_replicas_pack_1000_concurrent_sessions_into_100_full_servers()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(FleetTests));
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r", DemoFleet);
        var request = SessionRequests.HighDensity("demo", "rooms");
        var answers = await Task.WhenAll(Enumerable.Range(0, 1000).Select(i =>
            replicas[i % 3].Allocation.AllocateAsync(request, deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync));

        var servers = await FleetAssertions.ServersAsync(redis.Connection.GetDatabase(), prefix);
        Assert.Equal(100, answers.Select(a => a.GameServerName).Distinct().Count());
        Assert.All(servers, s => Assert.Equal(10, s.Counters["rooms"].Count));
        Assert.All(servers, s => Assert.Equal("Allocated", s.State));
        FleetAssertions.NoSessionLostOrDoubled(answers, servers);

        // The fleet is full: the next call is refused explicitly.
        var full = await Assert.ThrowsAsync<RpcException>(() => replicas[0].Allocation.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
    }

    [Fact]
    public async Task Killing_the_leader_mid_run_loses_and_doubles_no_session()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(Killing_the_leader_mid_run_loses_and_doubles_no_session));
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r", DemoFleet, "--Allocator:LeaseTtl=00:00:01", "--Allocator:LeaseRetry=00:00:00.200");
        var request = SessionRequests.HighDensity("demo", "rooms");
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        var answered = 0;
        var killed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answers = new ConcurrentBag<AllocationResponse>();
        var retries = 0;

        async Task CallAsync(int i)
        {
            var requestId = $"call-{i}";
            for (var attempt = 0; ; attempt++)
            {
                // A call whose replica died is retried elsewhere with the same id: it gets the
                // answer already decided for it, or is decided once.
                var replica = replicas[(i + attempt) % replicas.All.Count];
                if (replica.HasExited) continue;
                try
                {
                    var response = await replica.Allocation.AllocateAsync(request,
                        new Metadata { { "x-request-id", requestId } }, DateTime.UtcNow.AddSeconds(30));
                    answers.Add(response);
                    if (Interlocked.Increment(ref answered) == 300) await KillLeaderAsync();
                    return;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled && attempt < 10)
                {
                    Interlocked.Increment(ref retries);
                }
            }
        }

        async Task KillLeaderAsync()
        {
            var leader = (string)(await db.HashGetAsync(keys.LeaderInfo, "replica"))!;
            replicas.All.Single(r => r.Id == leader).Kill();
            killed.TrySetResult(leader);
        }

        using var throttle = new SemaphoreSlim(200);
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await throttle.WaitAsync();
            try { await CallAsync(i); } finally { throttle.Release(); }
        }));

        var killedLeader = await killed.Task;
        var epoch = (long)await db.StringGetAsync(keys.Epoch);
        var newLeader = (string)(await db.HashGetAsync(keys.LeaderInfo, "replica"))!;
        Assert.NotEqual(killedLeader, newLeader);
        Assert.True(epoch >= 2, $"epoch {epoch}");

        var servers = await FleetAssertions.ServersAsync(db, prefix);
        // Retried calls may carry the same answer twice: count each request id once.
        var distinct = answers.DistinctBy(a => (a.GameServerName, a.Counters["rooms"].Count)).ToList();
        Assert.Equal(1000, distinct.Count);
        Assert.Equal(1000, answers.Count);
        FleetAssertions.NoSessionLostOrDoubled(distinct, servers);
        Assert.All(servers, s => Assert.Equal(10, s.Counters["rooms"].Count));
    }

    [Fact]
    public async Task A_removed_seed_server_stays_removed_under_the_next_leader()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(A_removed_seed_server_stays_removed_under_the_next_leader));
        var seed = "--Allocator:Inventory:DemoFleet=servers=3,capacity=2,fleet=seeded";
        var db = redis.Connection.GetDatabase();
        var keys = new KeyLayout(prefix);

        await using (var first = await ReplicaProcess.StartAsync("first", redis.ConnectionString, prefix, seed))
        {
            Assert.True((await first.Inventory.RemoveAsync(new Allocator.Inventory.V1.RemoveRequest { Name = "seeded-00001" })).Removed);
        }

        await using var second = await ReplicaProcess.StartAsync("second", redis.ConnectionString, prefix, seed, "--Allocator:LeaseRetry=00:00:00.200");
        // A change through the inventory API is applied by the leader: once it answers, the new term has begun.
        await second.Inventory.RegisterAsync(new Allocator.Inventory.V1.RegisterRequest
        {
            GameServer = new Allocator.Inventory.V1.GameServer { Name = "probe", Counters = { ["rooms"] = new Allocator.Inventory.V1.Counter { Capacity = 1 } } },
        }, deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.Equal("second", (string?)await db.HashGetAsync(keys.LeaderInfo, "replica"));
        Assert.False(await db.HashExistsAsync(keys.GameServers, "default/seeded-00001"));
        Assert.True(await db.HashExistsAsync(keys.GameServers, "default/seeded-00002"));
    }
}
