using Allocator.Service.Api;
using System.Text.Json.Nodes;
using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Tests.Allocation;
using Google.Protobuf;
using Grpc.Core;

namespace Allocator.Tests.Agones;

/// <summary>The pure half of Kubernetes mode: changes, reconciliation, held answers and patches.</summary>
public class WriteBackModelTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static GameServer WithPlayers(GameServer server)
    {
        server.Lists["players"] = new ListState { Capacity = 5, Values = ["x"] };
        return server;
    }

    [Fact]
    public void The_allocations_of_a_batch_on_one_server_coalesce_into_one_change()
    {
        var server = WithPlayers(FleetBuilder.Server("a"));
        var before = server.Clone();
        var spec = FleetBuilder.Session() with
        {
            ListActions = new Dictionary<string, ListAction> { ["players"] = new(["p1"], []) },
            Labels = new Dictionary<string, string> { ["mode"] = "duel" },
        };
        AllocationActions.Apply(spec, server, Now);
        var first = ServerDelta.Between(before, server);
        var middle = server.Clone();
        AllocationActions.Apply(spec with { ListActions = new Dictionary<string, ListAction> { ["players"] = new(["p2"], ["x"]) } }, server, Now);
        first.Merge(ServerDelta.Between(middle, server));

        Assert.True(first.Allocate);
        Assert.Equal(2, first.Counters["rooms"].Count);
        Assert.Null(first.Counters["rooms"].Capacity);
        Assert.Equal(["p1", "p2"], first.Lists["players"].Add);
        Assert.Equal(["x"], first.Lists["players"].Remove);
        Assert.Equal("duel", first.Labels["mode"]);
        Assert.True(first.Annotations.ContainsKey(AllocationActions.LastAllocatedAnnotation));

        var copy = WithPlayers(FleetBuilder.Server("a"));
        first.ApplyTo(copy);
        Assert.Equal(GameServerStates.Allocated, copy.State);
        Assert.Equal(2, copy.Counters["rooms"].Count);
        Assert.Equal(["p1", "p2"], copy.Lists["players"].Values);
    }

    [Fact]
    public void A_change_applied_to_what_Kubernetes_reports_keeps_the_sessions_that_ended_meanwhile_and_respects_capacity_and_state()
    {
        var change = new ServerDelta { Allocate = true, Counters = { ["rooms"] = new CounterDelta { Count = 2 } } };

        var ended = FleetBuilder.Server("a", state: GameServerStates.Allocated, rooms: 1, capacity: 4);
        change.ApplyTo(ended);
        Assert.Equal(3, ended.Counters["rooms"].Count);

        var full = FleetBuilder.Server("b", rooms: 3, capacity: 4);
        change.ApplyTo(full);
        Assert.Equal(4, full.Counters["rooms"].Count);

        var stopping = FleetBuilder.Server("c", state: GameServerStates.Shutdown);
        change.ApplyTo(stopping);
        Assert.Equal(GameServerStates.Shutdown, stopping.State);
    }

    [Fact]
    public void The_fleet_re_applies_pending_changes_to_observed_servers_until_their_annotation_shows_them()
    {
        var stored = FleetBuilder.Server("a", state: GameServerStates.Allocated, rooms: 2, capacity: 4);
        stored.Pending =
        [
            new PendingWrite("5-1", new ServerDelta { Allocate = true, Counters = { ["rooms"] = new CounterDelta { Count = 1 } } }),
            new PendingWrite("5-2", new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 1 } } }),
        ];
        var fleet = FleetBuilder.Of(stored);
        GameServer Observe(long rooms, string state, string? applied)
        {
            var observed = FleetBuilder.Server("a", state: state, rooms: rooms, capacity: 4);
            if (applied is not null) observed.Annotations[OutboxId.Annotation] = applied;
            WatchedFleet.Apply(fleet, new GameServerUpserted(observed, "100"), scope: null, fleetId: "fleet-a");
            return fleet.Find("default/a")!;
        }

        // An event from before any write-back: both changes are applied again.
        var s = Observe(0, GameServerStates.Ready, null);
        Assert.Equal((2L, GameServerStates.Allocated, 2), (s.Counters["rooms"].Count, s.State, s.Pending!.Count));
        // A mark of another fleet (Redis lost its data since) does not count as applied.
        s = Observe(0, GameServerStates.Ready, OutboxId.Mark("fleet-b", "9-9"));
        Assert.Equal((2L, 2), (s.Counters["rooms"].Count, s.Pending!.Count));
        // Kubernetes has the first: only the second is added.
        s = Observe(1, GameServerStates.Allocated, OutboxId.Mark("fleet-a", "5-1"));
        Assert.Equal((2L, 1), (s.Counters["rooms"].Count, s.Pending!.Count));
        // Kubernetes has both, and the game server ended one session itself: that is kept.
        s = Observe(1, GameServerStates.Allocated, OutboxId.Mark("fleet-a", "5-2"));
        Assert.Equal(1, s.Counters["rooms"].Count);
        Assert.Null(s.Pending);
    }

    [Fact]
    public void A_change_fits_only_where_every_increment_and_added_value_still_has_room()
    {
        var server = WithPlayers(FleetBuilder.Server("a", rooms: 3, capacity: 4));
        Assert.True(new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 1 } } }.FitsOn(server));
        Assert.False(new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 2 } } }.FitsOn(server));
        Assert.True(new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 2, Capacity = 5 } } }.FitsOn(server));
        Assert.True(new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = -3 } } }.FitsOn(server));
        server.Lists["players"].Values = ["x", "y", "z", "w"];
        Assert.True(new ServerDelta { Lists = { ["players"] = new ListDelta { Add = ["v"] } } }.FitsOn(server));
        Assert.False(new ServerDelta { Lists = { ["players"] = new ListDelta { Add = ["v", "u"] } } }.FitsOn(server));
        Assert.True(new ServerDelta { Lists = { ["players"] = new ListDelta { Add = ["v", "u"], Remove = ["x"] } } }.FitsOn(server));
    }

    [Fact]
    public void A_Ready_server_the_change_took_no_longer_fits_once_someone_else_allocated_it()
    {
        var change = new ServerDelta { Allocate = true, Counters = { ["rooms"] = new CounterDelta { Count = 1 } } };
        Assert.True(change.FitsOn(FleetBuilder.Server("a", capacity: 4)));
        Assert.False(change.FitsOn(FleetBuilder.Server("a", state: GameServerStates.Allocated, capacity: 4)));
        // A later session on a server already ours needs only room; and any change leaves a Ready server Allocated.
        var later = new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 1 } } };
        Assert.True(later.FitsOn(FleetBuilder.Server("a", state: GameServerStates.Allocated, rooms: 1, capacity: 4)));
        var ready = FleetBuilder.Server("b", capacity: 4);
        later.ApplyTo(ready);
        Assert.Equal(GameServerStates.Allocated, ready.State);
    }

    [Fact]
    public void Giving_up_a_server_s_changes_keeps_the_ones_committed_after_them()
    {
        var stored = FleetBuilder.Server("a", state: GameServerStates.Allocated, rooms: 3, capacity: 4);
        stored.Pending =
        [
            new PendingWrite("5-1", new ServerDelta { Allocate = true, Counters = { ["rooms"] = new CounterDelta { Count = 2 } } }),
            new PendingWrite("5-2", new ServerDelta { Counters = { ["rooms"] = new CounterDelta { Count = 1 } } }),
        ];
        var fleet = FleetBuilder.Of(stored);

        // The write-back gave up 5-1 (say Kubernetes refused it); 5-2 is still to be written.
        WatchedFleet.Abandon(fleet, "default/a", FleetBuilder.Server("a", capacity: 4), through: "5-1", fleetId: "fleet-a");

        var now = fleet.Find("default/a")!;
        Assert.Equal("5-2", Assert.Single(now.Pending!).Id);
        Assert.Equal((GameServerStates.Allocated, 1L), (now.State, now.Counters["rooms"].Count));
    }

    [Fact]
    public void Held_ids_of_entries_that_left_the_outbox_are_released_and_newer_ones_kept()
    {
        var ledger = new WriteBackLedger(epoch: 5, writeBehind: true);
        ledger.Hold("5-1", ["a"]);
        ledger.Hold("5-2", ["b"]);
        ledger.Hold("5-3", ["c"]); // committed after the last read: never released by it

        ledger.ReleaseFinished(firstPresent: "5-2", lastSeen: "5-2");
        Assert.Equal([false, true, true], new[] { "a", "b", "c" }.Select(ledger.IsHeld));

        ledger.ReleaseFinished(firstPresent: null, lastSeen: "5-2");
        Assert.Equal([false, false, true], new[] { "a", "b", "c" }.Select(ledger.IsHeld));
    }

    [Fact]
    public void Outbox_ids_order_by_epoch_then_sequence_and_a_missing_one_is_oldest()
    {
        Assert.True(OutboxId.Compare("10-1", "9-99") > 0);
        Assert.True(OutboxId.Compare("9-10", "9-9") > 0);
        Assert.True(OutboxId.Compare("1-1", null) > 0);
        Assert.True(OutboxId.Compare("garbage", "1-1") < 0);
        Assert.Equal(0, OutboxId.Compare("3-4", "3-4"));
    }

    private static QueuedRequest Request(string id) => new(RequestKind.Allocation, "1-" + id.Length, id, "front-1",
        Now.AddSeconds(10).ToUnixTimeMilliseconds(), "", JsonFormatter.Default.Format(SessionRequests.HighDensity("f", "rooms")));

    private static (BatchDecider Decider, WriteBackLedger Ledger) Decider(Fleet fleet, bool writeBehind)
    {
        var ledger = new WriteBackLedger(epoch: 7, writeBehind);
        return (new BatchDecider(fleet, new AllocationEngine(fleet, new Random(1)), source: new KubernetesTerm(ledger)), ledger);
    }

    [Fact]
    public void Answers_wait_for_Kubernetes_while_the_server_s_move_to_Allocated_is_not_there_yet()
    {
        var fleet = FleetBuilder.Of(FleetBuilder.Server("a", capacity: 4));
        var (decider, ledger) = Decider(fleet, writeBehind: true);

        var batch = decider.Decide([Request("r1"), Request("r2")], new Dictionary<string, string>(), Now);

        Assert.All(batch.Answers, a => Assert.True(a.Held));
        var entry = ledger.Entry(Now)!;
        var change = Assert.Single(entry.Changes);
        Assert.Equal("7-1", entry.Id);
        Assert.Equal(["r1", "r2"], change.Holds.Select(h => h.RequestId));
        Assert.Equal(2, change.Delta.Counters["rooms"].Count);
        Assert.Equal("7-1", Assert.Single(fleet.Find("default/a")!.Pending!).Id);

        ledger.Committing(entry);
        ledger.Committed(entry);
        // A retry is neither decided again nor answered: the write-back answers the id.
        var retry = decider.Decide([Request("r1")], new Dictionary<string, string>(), Now);
        var answer = Assert.Single(retry.Answers);
        Assert.True(answer.Held && answer.AlreadyStored);
        Assert.Null(ledger.Entry(Now));
        Assert.Equal(2, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    [Fact]
    public void A_retry_in_the_same_batch_as_a_held_answer_is_not_answered_before_Kubernetes_has_it()
    {
        var fleet = FleetBuilder.Of(FleetBuilder.Server("a", capacity: 4));
        var (decider, ledger) = Decider(fleet, writeBehind: true);

        var batch = decider.Decide([Request("r1"), Request("r1")], new Dictionary<string, string>(), Now);

        Assert.All(batch.Answers, a => Assert.True(a.Held));
        Assert.Single(Assert.Single(ledger.Entry(Now)!.Changes).Holds);
        Assert.Equal(1, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_session_on_a_server_Kubernetes_already_shows_Allocated_waits_only_without_write_behind(bool writeBehind, bool held)
    {
        var fleet = FleetBuilder.Of(FleetBuilder.Server("a", state: GameServerStates.Allocated, rooms: 1, capacity: 4));
        var (decider, ledger) = Decider(fleet, writeBehind);

        var batch = decider.Decide([Request("r1")], new Dictionary<string, string>(), Now);

        Assert.Equal(held, Assert.Single(batch.Answers).Held);
        Assert.Equal(held, Assert.Single(ledger.Entry(Now)!.Changes).Holds.Count == 1);
    }

    [Fact]
    public void The_patch_carries_only_what_changed_the_outbox_id_and_the_resourceVersion_precondition()
    {
        var server = FleetBuilder.Server("a", rooms: 1, capacity: 4);
        server.Labels["untouched"] = "yes";
        var change = new ServerDelta
        {
            Allocate = true,
            Counters = { ["rooms"] = new CounterDelta { Count = 2 } },
            Annotations = { [AllocationActions.LastAllocatedAnnotation] = "2027-01-15T08:00:00Z" },
        };
        change.ApplyTo(server);

        var patch = JsonNode.Parse(GameServerPatch.Build(server, change, OutboxId.Mark("fleet-a", "7-3"), "412", stateChanged: true))!;

        Assert.Equal("412", (string?)patch["metadata"]!["resourceVersion"]);
        Assert.Equal("fleet-a:7-3", (string?)patch["metadata"]!["annotations"]![OutboxId.Annotation]);
        Assert.Equal("2027-01-15T08:00:00Z", (string?)patch["metadata"]!["annotations"]![AllocationActions.LastAllocatedAnnotation]);
        Assert.Null(patch["metadata"]!["labels"]);
        Assert.Equal("Allocated", (string?)patch["status"]!["state"]);
        Assert.Equal(3, (long)patch["status"]!["counters"]!["rooms"]!["count"]!);
        Assert.Equal(4, (long)patch["status"]!["counters"]!["rooms"]!["capacity"]!);
        Assert.Null(patch["status"]!["lists"]);
    }
}
