using Allocator.Service.Storage;
using Allocator.Tests.EndToEnd;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Partitions;

/// <summary>
/// Partitions on a real Redis Cluster (three primaries, a replica each): every partition's keys
/// share one hash tag, so each script runs on one shard; the shards fail over and move slots
/// under load without losing, doubling or overfilling a session.
/// </summary>
[Collection(nameof(ClusterTests))]
public class ClusterTests
{
    private const int Partitions = 4;
    private static readonly string[] Fleets = ["f0", "f1", "f2", "f3"];

    private static string[] Settings(RedisCluster cluster, params string[] more) =>
    [
        $"--Allocator:Partitions:Count={Partitions}",
        .. Fleets.Select((f, i) => $"--Allocator:Partitions:Table:{f}={i}"),
        "--Allocator:Inventory:DemoFleet=" + string.Join(";", Fleets.Select(f => $"servers=200,nodes=10,capacity=10,counter=rooms,fleet={f}")),
        "--Allocator:LeaseTtl=00:00:02", "--Allocator:LeaseRetry=00:00:00.100", "--Allocator:SuccessorSettle=00:00:00",
        // Answers wait until the shard's replica has the commit, so a promoted replica has every answered session.
        "--Allocator:MinReplicas=1",
        .. more,
    ];

    [Fact]
    public async Task Killing_the_primary_of_a_partitions_shard_promotes_its_replica_and_loses_no_session()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var prefix = "kill" + Guid.NewGuid().ToString("N")[..6];
        await using var replicas = await StartReplicasAsync(cluster, prefix);
        var victim = cluster.PrimaryOf(new KeyLayout($"{prefix}:0").GameServers);
        var promoted = await cluster.ReplicaOfAsync(victim);

        var load = new ClusterLoad(replicas.All, Fleets);
        await load.AroundAsync(async () =>
        {
            await cluster.KillAsync(victim);
            await Until.TrueAsync(() => cluster.IsPrimaryAsync(promoted), $"127.0.0.1:{promoted} promoted", seconds: 60);
            // The killed node comes back as the new primary's replica: until then that shard's
            // commits have no replica to acknowledge them (MinReplicas), and its answers wait.
            await cluster.RestartAsync(victim);
        }, atKill => load.Answered >= atKill.Sum() + 400, "400 more answers after the failover", () => replicas.LogTails());

        await AssertEveryPartitionHoldsItsAnswersAsync(cluster, prefix, load);
    }

    [Fact]
    public async Task Moving_a_partitions_slot_to_another_shard_under_load_loses_no_session()
    {
        await using var cluster = await RedisCluster.StartAsync();
        // A prefix whose partition 0 lives in the first 100 slots of the first primary, the ones
        // redis-cli --cluster reshard moves first.
        var (prefix, slot) = await LowSlotPrefixAsync(cluster);
        await using var replicas = await StartReplicasAsync(cluster, prefix);
        var from = cluster.PrimaryOf(new KeyLayout($"{prefix}:0").GameServers);
        var to = 0;
        foreach (var port in cluster.Ports.Where(p => p != from))
        {
            if (!await cluster.IsPrimaryAsync(port)) continue;
            to = port;
            break;
        }

        var load = new ClusterLoad(replicas.All, Fleets);
        await load.AroundAsync(async () =>
        {
            await cluster.ReshardAsync(from, to, slot + 1);
            // A read follows the MOVED answer, so the connection learns where the slot is now.
            Assert.True(await cluster.Connection.GetDatabase().KeyExistsAsync(new KeyLayout($"{prefix}:0").GameServers));
            Assert.Equal(to, cluster.PrimaryOf(new KeyLayout($"{prefix}:0").GameServers));
        }, atMove => load.Answered >= atMove.Sum() + 400, "400 more answers after the slot moved", () => replicas.LogTails());

        await AssertEveryPartitionHoldsItsAnswersAsync(cluster, prefix, load);
    }

    [Fact]
    public async Task Killing_the_leader_of_one_partition_leaves_the_other_partitions_leaders_and_answers_alone()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var prefix = "lead" + Guid.NewGuid().ToString("N")[..6];
        await using var replicas = await StartReplicasAsync(cluster, prefix);
        var db = cluster.Connection.GetDatabase();
        // Three replicas, four partitions: a share of two; wait until nobody leads more.
        var leaders = await PartitionLeaders.WaitAsync(db, prefix, Partitions, most: 2);
        var victim = replicas.All.Single(r => r.Id == leaders[0]);
        var untouched = Enumerable.Range(0, Partitions).Where(p => leaders[p] != victim.Id).ToArray();
        var epochs = new Dictionary<int, long>();
        foreach (var p in untouched) epochs[p] = (long)await db.StringGetAsync(new KeyLayout($"{prefix}:{p}").Epoch);

        var load = new ClusterLoad(replicas.All, Fleets);
        await load.AroundAsync(async () =>
        {
            victim.Kill();
            // Every partition the victim led has a new leader ...
            await PartitionLeaders.WaitAsync(db, prefix, Partitions, most: 2, replicas.All.Where(r => r != victim).Select(r => r.Id).ToArray(), () => replicas.LogTails());
        }, atKill => Fleets.Select((f, i) => load.AnswersFor(f).Count - atKill[i]).All(n => n >= 100),
            "100 more answers in every partition after the kill", () => replicas.LogTails());

        // ... while the others kept theirs: same epoch, no new term.
        foreach (var p in untouched) Assert.Equal(epochs[p], (long)await db.StringGetAsync(new KeyLayout($"{prefix}:{p}").Epoch));
        await AssertEveryPartitionHoldsItsAnswersAsync(cluster, prefix, load);
    }

    private static async Task<ReplicaGroup> StartReplicasAsync(RedisCluster cluster, string prefix)
    {
        var group = new ReplicaGroup();
        foreach (var id in new[] { "r1", "r2", "r3" }) await group.AddAsync(id, cluster.ConnectionString, prefix, Settings(cluster));
        // Every partition led, and its seed in its hash, before the load starts.
        var db = cluster.Connection.GetDatabase();
        await Until.TrueAsync(async () =>
        {
            for (var p = 0; p < Partitions; p++)
            {
                if (await db.HashLengthAsync(new KeyLayout($"{prefix}:{p}").GameServers) < 200) return false;
            }

            return true;
        }, "every partition seeded by its leader", seconds: 90);
        return group;
    }

    /// <summary>Lost 0 (every answer is stored), applied twice 0 (no session answered twice), over capacity 0; per partition.</summary>
    private static async Task AssertEveryPartitionHoldsItsAnswersAsync(RedisCluster cluster, string prefix, ClusterLoad load)
    {
        var db = cluster.Connection.GetDatabase();
        for (var p = 0; p < Partitions; p++)
        {
            var servers = await FleetAssertions.ServersAsync(db, $"{prefix}:{p}");
            var answers = load.AnswersFor(Fleets[p]);
            Assert.NotEmpty(answers);
            FleetAssertions.NoSessionLostOrDoubled(answers, servers);
        }
    }


    private static async Task<(string Prefix, int Slot)> LowSlotPrefixAsync(RedisCluster cluster)
    {
        var server = cluster.Connection.GetServer("127.0.0.1", cluster.Ports[0]);
        for (var i = 0; ; i++)
        {
            var prefix = $"move{i}";
            var slot = (int)(long)(await server.ExecuteAsync("CLUSTER", "KEYSLOT", $"{{{prefix}:0}}"))!;
            if (slot < 100) return (prefix, slot);
        }
    }
}
