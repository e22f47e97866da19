using Allocator.Service.Leadership;

namespace Allocator.Tests.Leadership;

/// <summary>Which replicas keep a warm copy of a partition: the ranking every replica computes alike.</summary>
public class WarmStandbysTests
{
    private const long Now = 100_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static Member M(string id, string version = "1.0.0", bool lead = true, bool ready = true, long heartbeat = Now, int leads = 0) =>
        new(id, version, lead, ready, 0, heartbeat, Leads: leads);

    private static string[] Standbys(int partition, string? leader, Member self, IEnumerable<Member> others, int count = 1) =>
        WarmStandbys.Of(partition, leader, self, others.Append(self), Now, Timeout, count).Select(m => m.Replica).ToArray();

    [Fact]
    public void The_leader_and_replicas_that_cannot_lead_now_are_never_standbys()
    {
        Member[] others = [M("leader"), M("front", lead: false), M("starting", ready: false), M("gone", heartbeat: Now - 6_000)];

        var standbys = Standbys(0, "leader", M("self"), others, count: 5);

        Assert.Equal(["self"], standbys);
    }

    [Fact]
    public void A_replica_still_warming_up_counts_itself_so_it_loads_what_it_will_hold()
    {
        var self = M("self", ready: false);

        Assert.Equal(["self"], Standbys(0, leader: null, self, [], count: 1));
        Assert.Empty(Standbys(0, leader: null, M("front", lead: false), [], count: 1));
    }

    [Fact]
    public void A_newer_version_ranks_first_so_a_rollout_takes_over_from_a_warm_copy()
    {
        // Whatever the hash says, every partition's first standby is the new version.
        for (var p = 0; p < 16; p++)
        {
            Assert.Equal("new", Standbys(p, "a", M("b"), [M("a"), M("c"), M("new", "1.1.0")])[0]);
        }
    }

    [Fact]
    public void A_replica_that_could_not_lead_one_more_partition_ranks_after_one_that_could()
    {
        // Two partitions, three replicas: a share of one each. r2 leads the other partition, so
        // only r3 could take this one over; whatever the hash says, r3 keeps the copy.
        for (var p = 0; p < 16; p++)
        {
            var standbys = WarmStandbys.Of(p, "r1", M("r2", leads: 1), [M("r1", leads: 1), M("r3"), M("r2", leads: 1)], Now, Timeout, count: 1, share: 1);
            Assert.Equal("r3", Assert.Single(standbys).Replica);
        }

        // When nobody has room, the copy still goes somewhere: the next replica to lead gets room once a leader goes.
        Assert.Single(WarmStandbys.Of(0, "r1", M("r2", leads: 1), [M("r1", leads: 1), M("r3", leads: 1)], Now, Timeout, count: 1, share: 1));
    }

    [Fact]
    public void Every_replica_computes_the_same_standbys_whoever_asks()
    {
        Member[] all = [M("r1"), M("r2"), M("r3"), M("r4")];
        for (var p = 0; p < 16; p++)
        {
            var seen = all.Select(self => string.Join(",", Standbys(p, "r1", self, all.Where(m => m != self), count: 2))).Distinct().ToArray();
            Assert.Single(seen);
            Assert.Equal(2, seen[0].Split(',').Length);
        }
    }

    [Fact]
    public void Standbys_spread_over_the_replicas_and_a_replica_leaving_moves_only_its_own_partitions()
    {
        Member[] all = [M("allocator-7c9f-1"), M("allocator-7c9f-2"), M("allocator-7c9f-3"), M("allocator-7c9f-4")];
        const int partitions = 256;
        string First(int p, IEnumerable<Member> members) => WarmStandbys.Of(p, null, members.First(), members, Now, Timeout, 1)[0].Replica;

        var before = Enumerable.Range(0, partitions).Select(p => First(p, all)).ToArray();
        // A quarter each, give or take: no replica pays for every partition's copy.
        foreach (var group in before.GroupBy(r => r)) Assert.InRange(group.Count(), 40, 88);
        Assert.Equal(4, before.Distinct().Count());

        var left = all[2].Replica;
        var after = Enumerable.Range(0, partitions).Select(p => First(p, all.Where(m => m.Replica != left))).ToArray();
        for (var p = 0; p < partitions; p++)
        {
            if (before[p] != left) Assert.Equal(before[p], after[p]);
            else Assert.NotEqual(left, after[p]);
        }
    }
}
