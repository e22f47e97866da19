using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.Storage;
using Allocator.Tests.EndToEnd;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using StackExchange.Redis;

namespace Allocator.Tests.Partitions;

/// <summary>Four partitions (one fleet each) served by replica processes on one Redis.</summary>
public class PartitionTests
{
    private const int Partitions = 4;
    private static readonly string[] Fleets = ["f0", "f1", "f2", "f3"];

    private static string[] Settings(params string[] more) =>
    [
        $"--Allocator:Partitions:Count={Partitions}",
        .. Fleets.Select((f, i) => $"--Allocator:Partitions:Table:{f}={i}"),
        "--Allocator:Inventory:DemoFleet=" + string.Join(";", Fleets.Select(f => $"servers=10,nodes=2,capacity=4,counter=rooms,fleet={f}")),
        "--Allocator:LeaseTtl=00:00:01", "--Allocator:LeaseRetry=00:00:00.100", "--Allocator:SuccessorSettle=00:00:00",
        .. more,
    ];

    [Fact]
    public async Task Each_fleet_is_allocated_in_its_own_partition_and_no_replica_leads_more_than_its_share()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(PartitionTests));
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r", Settings());
        var db = redis.Connection.GetDatabase();

        // ceil(4 / 3) = 2: the first replica ready may take every lease, then hands over until balanced.
        var leaders = await PartitionLeaders.WaitAsync(db, prefix, Partitions, most: 2, context: () => replicas.LogTails());

        var answers = await Task.WhenAll(Fleets.SelectMany(fleet => Enumerable.Range(0, 8).Select(i =>
            replicas[i % 3].Allocation.AllocateAsync(SessionRequests.HighDensity(fleet, "rooms")).ResponseAsync.ContinueWith(t => (fleet, t.Result)))));

        for (var p = 0; p < Partitions; p++)
        {
            var keys = new KeyLayout($"{prefix}:{p}");
            var servers = await FleetAssertions.ServersAsync(db, keys.Prefix);
            var mine = answers.Where(a => a.fleet == Fleets[p]).Select(a => a.Item2).ToArray();
            // Only this partition's fleet is in its hash, and it holds exactly the answers given for it.
            Assert.All(servers, s => Assert.Equal(Fleets[p], s.Labels["agones.dev/fleet"]));
            FleetAssertions.NoSessionLostOrDoubled(mine, servers);
            // Packed within the partition: 8 sessions of capacity 4 fill two servers.
            Assert.Equal(2, mine.Select(a => a.GameServerName).Distinct().Count());
        }

        Assert.False(await db.KeyExistsAsync(new KeyLayout(prefix).GameServers), "nothing is stored under the unpartitioned prefix");
        Assert.Equal(Partitions, leaders.Count);
    }

    [Fact]
    public async Task A_request_whose_selectors_span_partitions_is_refused_and_nothing_is_queued()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("span");
        await using var replica = await ReplicaProcess.StartAsync("r1", redis.ConnectionString, prefix, Settings());
        var request = SessionRequests.HighDensity("f0", "rooms");
        request.GameServerSelectors.Add(new GameServerSelector { MatchLabels = { ["agones.dev/fleet"] = "f2" } });

        var refused = await Assert.ThrowsAsync<RpcException>(() => replica.Allocation.AllocateAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("gameServerSelectors[2].matchLabels: fleet f2 is in partition 2, but gameServerSelectors[0] (fleet f0) is in partition 0; one request is decided in one partition: send a request per partition", refused.Status.Detail);
        var db = redis.Connection.GetDatabase();
        for (var p = 0; p < Partitions; p++) Assert.Equal(0, await db.StreamLengthAsync(new KeyLayout($"{prefix}:{p}").Requests));
    }

    [Fact]
    public async Task The_partitions_of_a_killed_replica_are_taken_over_and_spread_over_the_rest()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("spread");
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r", Settings());
        var db = redis.Connection.GetDatabase();
        var ids = replicas.All.Select(r => r.Id).ToArray();
        var before = await PartitionLeaders.WaitAsync(db, prefix, Partitions, most: 2, ids, () => replicas.LogTails());

        var victim = replicas.All.First(r => before.Values.Contains(r.Id));
        victim.Kill();
        var left = ids.Where(id => id != victim.Id).ToArray();
        // Two replicas left: a share of two each, so together they lead all four.
        var after = await PartitionLeaders.WaitAsync(db, prefix, Partitions, most: 2, left, () => replicas.LogTails());

        Assert.All(after.Values, id => Assert.NotEqual(victim.Id, id));
        var survivor = replicas.All.First(r => r.Id != victim.Id);
        foreach (var fleet in Fleets)
        {
            var answer = await survivor.Allocation.AllocateAsync(SessionRequests.HighDensity(fleet, "rooms"));
            Assert.StartsWith(fleet + "-", answer.GameServerName);
        }
    }

}
