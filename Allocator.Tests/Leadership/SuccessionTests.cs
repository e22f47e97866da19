using Allocator.Service.Leadership;

namespace Allocator.Tests.Leadership;

public class SuccessionTests
{
    [Theory]
    [InlineData("1.2.10", "1.2.9", 1)]
    [InlineData("1.10.0", "1.9.9", 1)]
    [InlineData("v2.0.0", "1.99.0", 1)]
    [InlineData("1.2.0", "1.2.0", 0)]
    [InlineData("1.2", "1.2.1", -1)]
    [InlineData("42", "41", 1)]
    [InlineData("1.3.0-rc.2", "1.3.0-rc.1", 1)]
    public void Versions_compare_by_numeric_segments(string a, string b, int expected)
    {
        Assert.Equal(expected, AppVersion.Compare(a, b));
        Assert.Equal(-expected, AppVersion.Compare(b, a));
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private const long Now = 100_000;

    private static Member M(string id, string version, bool lead = true, bool ready = true, long heartbeat = Now) =>
        new(id, version, lead, ready, 0, heartbeat);

    [Fact]
    public void A_live_ready_newer_replica_that_can_lead_is_the_successor()
    {
        var members = new[] { M("me", "1.0.0"), M("old", "0.9.0"), M("new", "1.1.0"), M("newest", "1.2.0") };
        Assert.Equal("newest", SuccessionPolicy.NewerThan("1.0.0", "me", members, Now, Timeout)?.Replica);
    }

    [Theory]
    [InlineData(false, true, Now)]          // front-only replica
    [InlineData(true, false, Now)]          // shutting down
    [InlineData(true, true, Now - 6_000)]   // heartbeat too old
    public void Newer_replicas_that_cannot_lead_now_are_ignored(bool lead, bool ready, long heartbeat)
    {
        var members = new[] { M("me", "1.0.0"), M("new", "2.0.0", lead, ready, heartbeat) };
        Assert.Null(SuccessionPolicy.NewerThan("1.0.0", "me", members, Now, Timeout));
    }

    [Fact]
    public void Same_or_older_versions_do_not_take_over()
    {
        var members = new[] { M("me", "1.0.0"), M("twin", "1.0.0"), M("old", "0.1.0") };
        Assert.Null(SuccessionPolicy.NewerThan("1.0.0", "me", members, Now, Timeout));
    }
}

public class LeaderShareTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private const long Now = 100_000;

    private static Member M(string id, string version, int leads, bool ready = true) => new(id, version, true, ready, 0, Now, 0, leads);

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(4, 3, 2)]
    [InlineData(4, 4, 1)]
    [InlineData(4, 1, 4)]
    [InlineData(64, 3, 22)]
    [InlineData(4, 0, 4)]
    public void No_replica_leads_more_than_the_ceiling_of_partitions_over_leaders(int partitions, int leaders, int share) =>
        Assert.Equal(share, LeaderShare.Of(partitions, leaders));

    [Fact]
    public void A_replica_at_its_share_has_no_room_and_gets_it_back_when_a_term_ends()
    {
        var share = new LeaderShare(4, TimeProvider.System);
        share.Began();
        share.Began();
        Assert.False(share.HasRoom(leaders: 2));
        Assert.True(share.HasRoom(leaders: 1));
        share.Ended();
        Assert.True(share.HasRoom(leaders: 2));
    }

    [Fact]
    public void Hand_overs_for_balance_go_one_per_interval()
    {
        var clock = new Infrastructure.ManualClock();
        var share = new LeaderShare(4, clock);
        Assert.True(share.TryHandOver(TimeSpan.FromSeconds(1)));
        Assert.False(share.TryHandOver(TimeSpan.FromSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(share.TryHandOver(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_newer_version_already_leading_its_share_is_not_waited_for()
    {
        // Four partitions, two replicas: a share of two. The new version leads two already, so
        // the old one keeps (and takes) the rest instead of leaving them leaderless.
        var members = new[] { M("me", "1.0.0", 2), M("new", "2.0.0", 2) };
        Assert.Null(SuccessionPolicy.NewerThan("1.0.0", "me", members, Now, Timeout, share: 2));
        var room = new[] { M("me", "1.0.0", 2), M("new", "2.0.0", 1) };
        Assert.Equal("new", SuccessionPolicy.NewerThan("1.0.0", "me", room, Now, Timeout, share: 2)?.Replica);
    }

    [Fact]
    public void A_partition_goes_to_the_least_loaded_replica_of_this_version_or_newer()
    {
        var members = new[] { M("me", "1.0.0", 4), M("old", "0.9.0", 0), M("busy", "1.0.0", 2), M("idle", "1.0.0", 0), M("leaving", "1.0.0", 0, ready: false) };
        Assert.Equal("idle", SuccessionPolicy.LighterThan("1.0.0", "me", members, Now, Timeout, TimeSpan.Zero, share: 2)?.Replica);
        Assert.Equal(4, SuccessionPolicy.Leaders(members, Now, Timeout));
    }
}
