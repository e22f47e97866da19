using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Tests.Allocation;

namespace Allocator.Tests.Agones;

public class WatchedFleetTests
{
    [Fact]
    public void A_snapshot_replaces_its_namespace_and_leaves_the_others_alone()
    {
        var fleet = FleetBuilder.Of(
            FleetBuilder.Server("kept", ns: "games", rooms: 1),
            FleetBuilder.Server("stale", ns: "games"),
            FleetBuilder.Server("elsewhere", ns: "other"));
        fleet.Accept();

        WatchedFleet.Apply(fleet, new GameServerSnapshot([FleetBuilder.Server("kept", ns: "games", rooms: 3), FleetBuilder.Server("new", ns: "games")], "42"), scope: "games", fleetId: "test");

        Assert.Equal(["games/kept", "games/new", "other/elsewhere"], fleet.Servers.Select(s => s.Key).Order());
        Assert.Equal(3, fleet.Find("games/kept")!.Counters["rooms"].Count);
        var (changed, removed) = fleet.TakeChanges();
        Assert.Equal(["games/kept", "games/new"], changed.Select(s => s.Key).Order());
        Assert.Equal(["games/stale"], removed);
    }

    [Fact]
    public void Upserts_and_deletions_are_recorded_for_the_next_commit_and_bookmarks_change_nothing()
    {
        var fleet = FleetBuilder.Of(FleetBuilder.Server("a"), FleetBuilder.Server("b"));
        fleet.Accept();

        WatchedFleet.Apply(fleet, new GameServerUpserted(FleetBuilder.Server("a", state: GameServerStates.Allocated), "7"), scope: null, fleetId: "test");
        WatchedFleet.Apply(fleet, new GameServerDeleted("default/b", "8"), scope: null, fleetId: "test");
        WatchedFleet.Apply(fleet, new GameServerProgress("9"), scope: null, fleetId: "test");

        Assert.Equal(GameServerStates.Allocated, fleet.Find("default/a")!.State);
        Assert.Null(fleet.Find("default/b"));
        var (changed, removed) = fleet.TakeChanges();
        Assert.Equal(["default/a"], changed.Select(s => s.Key));
        Assert.Equal(["default/b"], removed);
    }
}
