using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.Partitions;

namespace Allocator.Tests.Partitions;

public class PartitionRouteTests
{
    private static readonly PartitionMap Four = new(4, new Dictionary<string, int> { ["alpha"] = 0, ["beta"] = 1, ["gamma"] = 1, ["delta"] = 3 });

    [Fact]
    public void The_hash_of_a_name_is_stable_and_spreads_names_over_every_partition()
    {
        var map = new PartitionMap(4, new Dictionary<string, int>());
        // Stored data depends on it: every replica of every version must place a fleet alike
        // (FNV-1a of "fleet-00" is 2357EFD6).
        Assert.Equal(2, map.Of("fleet-00"));
        var used = Enumerable.Range(0, 64).Select(i => map.Of($"fleet-{i:D2}")).GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0, 1, 2, 3], used.Keys.Order());
        Assert.All(used.Values, n => Assert.InRange(n, 8, 24));
    }

    [Fact]
    public void The_table_places_a_fleet_before_the_hash_does() => Assert.Equal(3, Four.Of("delta"));

    [Fact]
    public void One_partition_keeps_the_configured_prefix_and_several_number_theirs()
    {
        Assert.Equal("alloc", PartitionMap.Single.Prefix("alloc", 0));
        Assert.Equal("alloc:3", Four.Prefix("alloc", 3));
    }

    [Fact]
    public void A_request_goes_to_the_partition_of_its_selectors_fleets()
    {
        var request = SessionRequests.HighDensity("beta", "rooms");
        request.GameServerSelectors.Add(Selector("gamma"));
        Assert.Equal((1, null), PartitionRoute.Of(request, Four, PartitionBy.Fleet));
    }

    [Fact]
    public void Selectors_that_span_partitions_are_refused_naming_each_side()
    {
        var request = SessionRequests.HighDensity("alpha", "rooms");
        request.GameServerSelectors.Add(Selector("delta"));
        var (_, problem) = PartitionRoute.Of(request, Four, PartitionBy.Fleet);
        Assert.Equal("gameServerSelectors[2].matchLabels: fleet delta is in partition 3, but gameServerSelectors[0] (fleet alpha) is in partition 0; one request is decided in one partition: send a request per partition", problem);
    }

    [Fact]
    public void A_selector_without_a_fleet_is_refused_when_partitions_are_by_fleet()
    {
        var request = new AllocationRequest { GameServerSelectors = { Selector("alpha"), new GameServerSelector() } };
        Assert.StartsWith("gameServerSelectors[1].matchLabels: must name the fleet (agones.dev/fleet)", PartitionRoute.Of(request, Four, PartitionBy.Fleet).Problem);
#pragma warning disable CS0612 // the deprecated selectors are named as such
        var legacy = new AllocationRequest { PreferredGameServerSelectors = { Selector("alpha") } };
#pragma warning restore CS0612
        Assert.StartsWith("requiredGameServerSelector.matchLabels: must name the fleet", PartitionRoute.Of(legacy, Four, PartitionBy.Fleet).Problem);
    }

    [Fact]
    public void By_namespace_the_request_namespace_decides_and_selectors_need_no_fleet()
    {
        var map = new PartitionMap(4, new Dictionary<string, int> { ["team-b"] = 2, ["default"] = 1 });
        Assert.Equal((2, null), PartitionRoute.Of(new AllocationRequest { Namespace = "team-b", GameServerSelectors = { new GameServerSelector() } }, map, PartitionBy.Namespace));
        Assert.Equal((1, null), PartitionRoute.Of(new AllocationRequest(), map, PartitionBy.Namespace));
    }

    [Fact]
    public void One_partition_takes_every_request()
    {
        Assert.Equal((0, null), PartitionRoute.Of(new AllocationRequest { GameServerSelectors = { new GameServerSelector() } }, PartitionMap.Single, PartitionBy.Fleet));
    }

    [Fact]
    public void A_game_server_belongs_to_the_partition_of_its_fleet_or_namespace()
    {
        var server = new Allocator.Service.Allocation.GameServer { Namespace = "team-b", Name = "gs", Labels = new() { ["agones.dev/fleet"] = "delta" } };
        Assert.True(new PartitionSlot(3, Four, PartitionBy.Fleet).Owns(server));
        Assert.False(new PartitionSlot(0, Four, PartitionBy.Fleet).Owns(server));
        Assert.True(new PartitionSlot(2, new PartitionMap(4, new Dictionary<string, int> { ["team-b"] = 2 }), PartitionBy.Namespace).Owns(server));
    }

    private static GameServerSelector Selector(string fleet) => new() { MatchLabels = { ["agones.dev/fleet"] = fleet } };
}
