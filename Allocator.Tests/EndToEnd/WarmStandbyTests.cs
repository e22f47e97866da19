using Allocator.Service.Api;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Telemetry;
using StackExchange.Redis;

namespace Allocator.Tests.EndToEnd;

/// <summary>
/// Only a partition's warm standbys replay its change log (Allocator:WarmStandbys, 1 by
/// default), and a free lease goes to one of them first, so it leads from its copy.
/// </summary>
public class WarmStandbyTests
{
    private const string Gauge = "allocator_standby_servers";
    private readonly HttpClient _http = new();

    /// <summary>Each replica's warm copies, from its /metrics: partition -> game servers held.</summary>
    private async Task<Dictionary<string, Dictionary<int, double>>> CopiesAsync(IEnumerable<ReplicaProcess> replicas, int partitions)
    {
        var copies = new Dictionary<string, Dictionary<int, double>>();
        foreach (var replica in replicas)
        {
            var scrape = await MetricsScrape.GetAsync(_http, replica.OpsPort);
            copies[replica.Id] = Enumerable.Range(0, partitions)
                .Where(p => scrape.Has(Gauge, ("partition", p.ToString())))
                .ToDictionary(p => p, p => scrape.Value(Gauge, ("partition", p.ToString())));
        }

        return copies;
    }

    [Fact]
    public async Task One_standby_keeps_a_copy_and_leads_from_it_when_the_leader_is_killed()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(WarmStandbyTests));
        // A head start longer than the test: a replica without a copy never takes the lease first, however busy the machine.
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r",
            "--Allocator:Inventory:DemoFleet=servers=100,capacity=10,counter=rooms,fleet=demo",
            "--Allocator:LeaseTtl=00:00:01", "--Allocator:LeaseRetry=00:00:00.100", "--Allocator:StandbyHeadStart=00:10:00",
            "--Allocator:FollowInterval=00:00:00.100", "--Allocator:HeartbeatInterval=00:00:00.200", "--Allocator:MemberTimeout=00:00:01");
        var db = redis.Connection.GetDatabase();
        var keys = new KeyLayout(prefix);
        await replicas[0].Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"));
        var leader = (string)(await db.HashGetAsync(keys.LeaderInfo, "replica"))!;

        // Exactly one replica other than the leader holds a copy, and it is current.
        Dictionary<string, Dictionary<int, double>> copies = [];
        await Until.TrueAsync(async () =>
        {
            copies = await CopiesAsync(replicas.All, 1);
            return copies.Count(c => c.Value.Count > 0) == 1;
        }, "one warm copy", () => string.Join("; ", copies.Select(c => $"{c.Key}: {string.Join(",", c.Value)}")) + replicas.LogTails());
        var standby = copies.Single(c => c.Value.Count > 0).Key;
        Assert.NotEqual(leader, standby);
        Assert.Equal(100, copies[standby][0]);

        replicas.All.Single(r => r.Id == leader).Kill();
        await Until.TrueAsync(async () => (string?)await db.HashGetAsync(keys.LeaderInfo, "replica") != leader, "a new term", () => replicas.LogTails());

        var next = replicas.All.Single(r => r.Id == standby);
        Assert.Equal(standby, (string?)await db.HashGetAsync(keys.LeaderInfo, "replica"));
        await Until.TrueAsync(() => Task.FromResult(next.Log.Contains("from warm copy")), "the standby says it led from its copy", () => next.Log);
        var answer = await next.Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"));
        Assert.Equal(2, answer.Counters["rooms"].Count);

        // The replica left without a copy becomes the standby once the killed one's membership lapses.
        var last = replicas.All.Single(r => r.Id != leader && r.Id != standby);
        await Until.TrueAsync(async () => (await CopiesAsync([last], 1))[last.Id].GetValueOrDefault(0) == 100, "the last replica loads a copy", () => last.Log);
        Assert.Empty((await CopiesAsync([next], 1))[next.Id]);
    }

    [Fact]
    public async Task With_partitions_each_has_one_warm_copy_on_a_replica_that_does_not_lead_it()
    {
        const int partitions = 4;
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("warm-partitions");
        string[] settings =
        [
            $"--Allocator:Partitions:Count={partitions}",
            "--Allocator:Inventory:DemoFleet=" + string.Join(";", Enumerable.Range(0, partitions).Select(p => $"servers=10,capacity=4,counter=rooms,fleet=f{p}")),
            .. Enumerable.Range(0, partitions).Select(p => $"--Allocator:Partitions:Table:f{p}={p}"),
            "--Allocator:LeaseTtl=00:00:01", "--Allocator:LeaseRetry=00:00:00.100", "--Allocator:SuccessorSettle=00:00:00",
            "--Allocator:FollowInterval=00:00:00.100", "--Allocator:HeartbeatInterval=00:00:00.200",
        ];
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "r", settings);
        var db = redis.Connection.GetDatabase();
        await Partitions.PartitionLeaders.WaitAsync(db, prefix, partitions, most: 2, context: () => replicas.LogTails());

        // Four copies in all, not one per partition per replica (eight), and none on a partition's leader.
        Dictionary<string, Dictionary<int, double>> copies = [];
        var leaders = new string?[partitions];
        await Until.TrueAsync(async () =>
        {
            for (var p = 0; p < partitions; p++) leaders[p] = await db.HashGetAsync(new KeyLayout($"{prefix}:{p}").LeaderInfo, "replica");
            copies = await CopiesAsync(replicas.All, partitions);
            var held = copies.SelectMany(c => c.Value.Keys.Select(p => (Replica: c.Key, Partition: p))).ToList();
            return held.Count == partitions && held.Select(h => h.Partition).Distinct().Count() == partitions
                && held.All(h => leaders[h.Partition] != h.Replica && copies[h.Replica][h.Partition] == 10);
        }, "one warm copy per partition, off its leader", () => string.Join("; ", copies.Select(c => $"{c.Key}: {string.Join(",", c.Value)}")) + $" leaders {string.Join(",", leaders)}");
    }
}
