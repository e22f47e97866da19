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
