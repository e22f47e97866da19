using System.Text.RegularExpressions;
using Allocator.Service.Leadership;
using Allocator.Service.Partitions;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Scripts;

/// <summary>
/// scripts/inspect.sh reads a fleet from Redis alone: what it shows of members and of the mode,
/// and each partition, on one Redis and on a Redis Cluster. In the cluster tests' collection:
/// tests that start a cluster run one at a time.
/// </summary>
[Collection(nameof(Partitions.ClusterTests))]
public class InspectScriptTests
{
    [Fact]
    public async Task Heartbeat_ages_are_never_negative_and_stand_alone_mode_shows_no_Kubernetes_lines()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(InspectScriptTests)));
        var db = redis.Connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // One replica whose clock runs 5 s ahead of Redis', one that beat 2 s ago.
        await db.HashSetAsync(keys.Members,
        [
            new HashEntry("ahead", new Member("ahead", "1.0.0", true, true, now, now + 5_000).ToJson()),
            new HashEntry("behind", new Member("behind", "1.0.0", true, true, now, now - 2_000).ToJson()),
        ]);
        await db.StringSetAsync(keys.ChangeSeq, 3);

        var standalone = await InspectAsync(redis.Port, keys.Prefix);
        Assert.Matches(@"ahead .* heartbeat +0 ms ago\n", standalone); // one partition: no "leads" column
        Assert.Matches(@"behind .* heartbeat +[0-9]{4,} ms ago", standalone);
        Assert.DoesNotMatch("heartbeat +-", standalone);
        Assert.Contains("== Change log", standalone);
        Assert.Contains("commits logged: 3", standalone);
        Assert.DoesNotContain("outbox", standalone);
        Assert.DoesNotContain("Kubernetes", standalone);
        Assert.DoesNotContain("Partition", standalone);

        // Kubernetes mode leaves its keys: the write-back lines appear.
        await db.StringSetAsync(keys.FleetId, "fleet-a");
        await db.HashSetAsync(keys.WatchPositions, "*", "4711");
        var kubernetes = await InspectAsync(redis.Port, keys.Prefix);
        Assert.Contains("== Change log and Kubernetes write-back", kubernetes);
        Assert.Contains("outbox backlog: 0", kubernetes);
        Assert.Contains("* at resourceVersion 4711", kubernetes);
    }

    [Fact]
    public async Task Partitions_are_found_and_each_shown_after_a_line_of_who_leads_which()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(InspectScriptTests));
        var partitions = Layouts(prefix, 3);
        var db = redis.Connection.GetDatabase();
        // a leads 0 and 2, b leads 1 but its lease has run out; the server is in partition 2.
        await WritePartitionAsync(db, partitions[0], "a", leaseHeld: true, commits: 10);
        await WritePartitionAsync(db, partitions[1], "b", leaseHeld: false, commits: 11);
        await WritePartitionAsync(db, partitions[2], "a", leaseHeld: true, commits: 12);
        await db.HashSetAsync(partitions[2].GameServers, "default/gs-1", """{"name":"gs-1","state":"Ready","labels":{"agones.dev/fleet":"arena"}}""");

        var output = await InspectAsync(redis.Port, prefix, "--server", "default/gs-1");
        Assert.Contains("== Leaders of 3 partitions: a leads 0 2; no leader: 1\n", output);
        var sections = Sections(output);
        Assert.Equal([$"{{{prefix}:0}}", $"{{{prefix}:1}}", $"{{{prefix}:2}}"], sections.Keys.ToList());
        for (var p = 0; p < 3; p++)
        {
            Assert.Contains($"commits logged: {10 + p} ", sections[$"{{{prefix}:{p}}}"]);
            Assert.Matches(@"\na +version 1\.0\.0 .* ms ago  leads 2\n", sections[$"{{{prefix}:{p}}}"]);
        }

        Assert.DoesNotContain("== Game server", sections[$"{{{prefix}:0}}"]);
        Assert.Contains("== Game server default/gs-1\n{\"name\":\"gs-1\"", sections[$"{{{prefix}:2}}"]);
        Assert.Contains("arena ", sections[$"{{{prefix}:2}}"]); // its occupancy line

        // --partitions names the count; a server in none of them says so.
        var two = await InspectAsync(redis.Port, prefix, "--partitions", "2", "--server", "default/gs-1");
        Assert.Contains("== Leaders of 2 partitions: a leads 0; no leader: 1\n", two);
        Assert.Equal(2, Sections(two).Count);
        Assert.Contains("== Game server default/gs-1: in no partition", two);

        var (exitCode, _, error) = await ScriptRun.BashAsync("scripts/inspect.sh", "--partitions", "0", "-p", redis.Port.ToString());
        Assert.Equal(2, exitCode);
        Assert.Contains("--partitions must be a whole number of at least 1", error);
    }

    [Fact]
    public async Task On_a_Redis_Cluster_each_partition_is_read_from_the_shard_that_holds_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var prefix = "inspect" + Guid.NewGuid().ToString("N")[..6];
        var partitions = Layouts(prefix, 4);
        var db = cluster.Connection.GetDatabase();
        for (var p = 0; p < partitions.Count; p++)
            await WritePartitionAsync(db, partitions[p], p % 2 == 0 ? "a" : "b", leaseHeld: true, commits: 20 + p);
        // Asked of a node that does not hold partition 0, so at least one command must follow MOVED.
        var elsewhere = cluster.Ports.First(port => port != cluster.PrimaryOf(partitions[0].Members));

        var output = await InspectAsync(elsewhere, prefix);
        Assert.Contains("== Leaders of 4 partitions: a leads 0 2; b leads 1 3\n", output);
        var sections = Sections(output);
        Assert.Equal(4, sections.Count);
        for (var p = 0; p < partitions.Count; p++)
        {
            var section = sections[$"{{{prefix}:{p}}}"];
            Assert.Contains($"commits logged: {20 + p} ", section);
            Assert.Matches($@"replica\s+{(p % 2 == 0 ? "a" : "b")}\n", section);
            Assert.DoesNotContain("MOVED", section);
        }
    }

    /// <summary>Each partition's keys, named as the service names them (<see cref="PartitionMap.Prefix"/>).</summary>
    private static List<KeyLayout> Layouts(string prefix, int count)
    {
        var map = new PartitionMap(count, new Dictionary<string, int>());
        return Enumerable.Range(0, count).Select(p => new KeyLayout(map.Prefix(prefix, p), p)).ToList();
    }

    /// <summary>
    /// What a running fleet leaves in one partition: replicas a and b heartbeating (a leads two
    /// partitions), the term's leader-info as begin_term writes it, the lease while it is held,
    /// and the change-log sequence.
    /// </summary>
    private static async Task WritePartitionAsync(IDatabase db, KeyLayout keys, string leader, bool leaseHeld, long commits)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.HashSetAsync(keys.Members,
        [
            new HashEntry("a", new Member("a", "1.0.0", true, true, now, now, now, Leads: 2).ToJson()),
            new HashEntry("b", new Member("b", "1.0.0", true, true, now, now, now, Leads: 1).ToJson()),
        ]);
        await db.HashSetAsync(keys.LeaderInfo, [new("replica", leader), new("epoch", 3), new("version", "1.0.0"), new("since", now)]);
        if (leaseHeld) await db.StringSetAsync(keys.Leader, Guid.NewGuid().ToString("N"), TimeSpan.FromMinutes(1));
        await db.StringSetAsync(keys.ChangeSeq, commits);
    }

    /// <summary>The output under each "### Partition p of N: {tag}" header, by tag, in order.</summary>
    private static Dictionary<string, string> Sections(string output) =>
        Regex.Split(output, @"^### Partition \d+ of \d+: ", RegexOptions.Multiline).Skip(1)
            .ToDictionary(s => s[..s.IndexOf('\n')], s => s);

    private static async Task<string> InspectAsync(int port, string prefix, params string[] more)
    {
        var (exitCode, output, error) = await ScriptRun.BashAsync(["scripts/inspect.sh", "--prefix", prefix, "-p", port.ToString(), .. more]);
        Assert.True(exitCode == 0, $"inspect.sh failed ({exitCode}): {error}");
        return output;
    }
}
