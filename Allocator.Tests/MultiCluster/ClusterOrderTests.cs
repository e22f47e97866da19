using Allocator.Service.MultiCluster;

namespace Allocator.Tests.MultiCluster;

/// <summary>The order clusters are tried in: Agones' ConnectionInfoIterator, with the randomness given.</summary>
public class ClusterOrderTests
{
    internal static AllocationPolicy Policy(string name, int priority, int weight, string cluster, params string[] endpoints) =>
        new("default", name, new Dictionary<string, string>(), priority, weight,
            new ClusterConnection(cluster, [.. endpoints.Select(e => AllocatorEndpoint.Parse(e)!)], "client", "default", ""));

    private static List<string> Clusters(IEnumerable<AllocationPolicy> policies, int seed) =>
        [.. ClusterOrder.Of(policies, new Random(seed)).Select(p => p.Connection.ClusterName)];

    [Fact]
    public void Lower_priority_numbers_come_first_whatever_the_weights()
    {
        var policies = new[] { Policy("c", 3, 100, "gamma"), Policy("a", 1, 1, "alpha"), Policy("b", 2, 1000, "beta") };
        foreach (var seed in Enumerable.Range(0, 20)) Assert.Equal(["alpha", "beta", "gamma"], Clusters(policies, seed));
    }

    [Fact]
    public void Within_a_priority_a_cluster_comes_first_in_proportion_to_its_weight()
    {
        var policies = new[] { Policy("light", 1, 1, "light"), Policy("heavy", 1, 3, "heavy") };
        var random = new Random(7);
        var heavyFirst = Enumerable.Range(0, 4000).Count(_ => ClusterOrder.Of(policies, random)[0].Connection.ClusterName == "heavy");
        Assert.InRange(heavyFirst, 2800, 3200); // 3/4 of 4000, with room for the draw
        // Both are always tried, one after the other.
        Assert.All(Enumerable.Range(0, 50), seed => Assert.Equal(["heavy", "light"], Clusters(policies, seed).Order()));
    }

    [Fact]
    public void The_same_seed_gives_the_same_order()
    {
        var policies = Enumerable.Range(0, 8).Select(i => Policy($"p{i}", 1, i + 1, $"cluster-{i}")).ToList();
        Assert.Equal(Clusters(policies, 42), Clusters(policies, 42));
        Assert.Contains(Enumerable.Range(0, 20), seed => !Clusters(policies, seed).SequenceEqual(Clusters(policies, 42)));
    }

    [Fact]
    public void A_cluster_of_weight_zero_is_never_tried_and_an_all_zero_priority_is_passed_over()
    {
        var policies = new[] { Policy("off", 1, 0, "off"), Policy("on", 1, 5, "on"), Policy("later-off", 2, 0, "later-off"), Policy("last", 3, 1, "last") };
        foreach (var seed in Enumerable.Range(0, 20)) Assert.Equal(["on", "last"], Clusters(policies, seed));
        Assert.Empty(ClusterOrder.Of([Policy("zero", 1, 0, "zero")], new Random(1)));
    }

    [Fact]
    public void A_cluster_is_tried_once_at_its_best_priority()
    {
        var policies = new[] { Policy("near", 1, 1, "shared"), Policy("again", 2, 1, "shared"), Policy("other", 2, 1, "other") };
        Assert.Equal(["shared", "other"], Clusters(policies, 3));
        Assert.Equal("near", ClusterOrder.Of(policies, new Random(3))[0].Name);
    }

    [Fact]
    public void Policies_of_one_cluster_at_one_priority_weigh_their_average_and_use_the_first_by_name()
    {
        // "split" averages (0 + 9) / 2 = 4 (rounded down, as Agones), against "solo" at 4: even odds.
        var policies = new[] { Policy("split-b", 1, 9, "split"), Policy("split-a", 1, 0, "split"), Policy("solo", 1, 4, "solo") };
        var random = new Random(11);
        var orders = Enumerable.Range(0, 2000).Select(_ => ClusterOrder.Of(policies, random)).ToList();
        Assert.InRange(orders.Count(o => o[0].Connection.ClusterName == "split"), 850, 1150);
        Assert.All(orders, o => Assert.Equal("split-a", o.Single(p => p.Connection.ClusterName == "split").Name));
    }
}
