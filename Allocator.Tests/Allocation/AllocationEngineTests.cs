using Allocator.Service.Allocation;
using static Allocator.Tests.Allocation.FleetBuilder;

namespace Allocator.Tests.Allocation;

public class AllocationEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static string? Allocate(Fleet fleet, AllocationSpec spec, int seed = 1) =>
        new AllocationEngine(fleet, new Random(seed)).Allocate(spec, Now).Server?.Name;

    [Fact]
    public void Packed_prefers_an_allocated_server_with_room_over_a_ready_one()
    {
        var fleet = Of(Server("a-ready"), Server("b-alloc", state: GameServerStates.Allocated, rooms: 3));
        Assert.Equal("b-alloc", Allocate(fleet, Session()));
    }

    [Fact]
    public void Packed_prefers_the_fullest_allocated_server_for_the_counter_it_increments()
    {
        var fleet = Of(
            Server("a", state: GameServerStates.Allocated, rooms: 2),
            Server("b", state: GameServerStates.Allocated, rooms: 7),
            Server("c", state: GameServerStates.Allocated, rooms: 5));
        Assert.Equal("b", Allocate(fleet, Session()));
    }

    [Fact]
    public void Packed_skips_full_servers_and_opens_a_ready_one_only_when_none_has_room()
    {
        var fleet = Of(Server("full", state: GameServerStates.Allocated, rooms: 10), Server("ready"));
        Assert.Equal("ready", Allocate(fleet, Session()));
    }

    [Fact]
    public void Packed_prefers_the_node_with_more_allocated_servers_then_more_ready_ones()
    {
        var fleet = Of(
            Server("x1", node: "busy", state: GameServerStates.Allocated, rooms: 10),
            Server("x2", node: "busy"),
            Server("y1", node: "idle"),
            Server("y2", node: "idle"),
            Server("y3", node: "idle"));
        // Both candidates are Ready; "busy" has an Allocated server, so its Ready one goes first.
        Assert.Equal("x2", Allocate(fleet, Session()));

        var readyOnly = Of(Server("p1", node: "small"), Server("q1", node: "big"), Server("q2", node: "big"));
        Assert.Equal("q1", Allocate(readyOnly, new AllocationSpec()));
    }

    [Fact]
    public void Ties_break_on_name()
    {
        var fleet = Of(Server("b"), Server("a"), Server("c"));
        Assert.Equal("a", Allocate(fleet, new AllocationSpec()));
    }

    [Theory]
    [InlineData(PriorityOrder.Ascending, "full")]
    [InlineData(PriorityOrder.Descending, "empty")]
    public void Priorities_compare_available_capacity(PriorityOrder order, string expected)
    {
        var fleet = Of(Server("empty", rooms: 0), Server("full", rooms: 9), Server("half", rooms: 5));
        var spec = new AllocationSpec { Priorities = [new Priority(PriorityType.Counter, "rooms", order)] };
        Assert.Equal(expected, Allocate(fleet, spec));
    }

    [Fact]
    public void Selectors_are_tried_in_order_and_the_first_with_a_match_wins()
    {
        var fleet = Of(Server("blue", fleet: "blue"), Server("red", fleet: "red"));
        var spec = new AllocationSpec
        {
            Selectors =
            [
                new Selector { MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = "green" } },
                new Selector { MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = "red" } },
                new Selector { MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = "blue" } },
            ],
        };
        Assert.Equal("red", Allocate(fleet, spec));
    }

    [Theory]
    [InlineData(1, 0, 0, 0, "s2,s5,s9")]   // minCount 1
    [InlineData(0, 5, 0, 0, "s0,s2,s5")]   // maxCount 5
    [InlineData(0, 0, 5, 0, "s0,s2,s5")]   // minAvailable 5
    [InlineData(0, 0, 0, 5, "s5,s9")]      // maxAvailable 5
    [InlineData(2, 0, 0, 8, "s2,s5,s9")]   // minCount 2, maxAvailable 8
    public void Counter_filters_bound_count_and_available(long minCount, long maxCount, long minAvailable, long maxAvailable, string matching)
    {
        var servers = new[] { Server("s0", rooms: 0), Server("s2", rooms: 2), Server("s5", rooms: 5), Server("s9", rooms: 9) };
        var selector = new Selector { Counters = new Dictionary<string, CounterFilter> { ["rooms"] = new(minCount, maxCount, minAvailable, maxAvailable) } };
        var actual = servers.Where(s => SelectorMatch.Matches(selector, s)).Select(s => s.Name);
        Assert.Equal(matching, string.Join(",", actual));
    }

    [Fact]
    public void Selector_requires_the_state_labels_and_namespace()
    {
        var fleet = Of(Server("other-ns", ns: "other"), Server("allocated", state: GameServerStates.Allocated), Server("shutdown", state: GameServerStates.Shutdown));
        Assert.Null(Allocate(fleet, new AllocationSpec()));
        Assert.Equal("allocated", Allocate(fleet, new AllocationSpec { Selectors = [new Selector { State = GameServerStates.Allocated }] }));
    }

    [Fact]
    public void Allocating_sets_state_counters_metadata_and_last_allocated()
    {
        var fleet = Of(Server("a", rooms: 9));
        var spec = Session() with
        {
            Labels = new Dictionary<string, string> { ["mode"] = "ranked" },
            Annotations = new Dictionary<string, string> { ["match"] = "m-1" },
        };
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!;
        Assert.Equal(GameServerStates.Allocated, chosen.State);
        Assert.Equal(10, chosen.Counters["rooms"].Count);
        Assert.Equal("ranked", chosen.Labels["mode"]);
        Assert.Equal("m-1", chosen.Annotations["match"]);
        Assert.Equal("2026-11-22T12:00:00Z", chosen.Annotations[AllocationActions.LastAllocatedAnnotation]);
        Assert.Equal(10, fleet.Find("default/a")!.Counters["rooms"].Count);
    }

    /// <summary>Go's RFC 3339 with nanoseconds, as Agones writes it: UTC, fraction without trailing zeros (100 ns ticks here).</summary>
    [Theory]
    [InlineData(0L, 0, "2026-11-22T12:00:00Z")]
    [InlineData(5_000_000L, 0, "2026-11-22T12:00:00.5Z")]
    [InlineData(1_200_000L, 0, "2026-11-22T12:00:00.12Z")]
    [InlineData(1_234_567L, 0, "2026-11-22T12:00:00.1234567Z")]
    [InlineData(10L, 0, "2026-11-22T12:00:00.000001Z")]
    [InlineData(1L, 2, "2026-11-22T10:00:00.0000001Z")]   // an offset is converted to UTC
    public void Last_allocated_is_written_as_Agones_writes_it(long ticks, int offsetHours, string expected)
    {
        var at = new DateTimeOffset(new DateTime(2026, 11, 22, 12, 0, 0).AddTicks(ticks), TimeSpan.FromHours(offsetHours));
        Assert.Equal(expected, AllocationActions.Timestamp(at));
        var chosen = new AllocationEngine(Of(Server("a")), new Random(1)).Allocate(new AllocationSpec(), at).Server!;
        Assert.Equal(expected, chosen.Annotations[AllocationActions.LastAllocatedAnnotation]);
    }

    [Theory]
    [InlineData(CounterOperation.Increment, 2, null, 8, 10)]
    [InlineData(CounterOperation.Decrement, 5, null, 3, 0)]    // truncated to 0
    [InlineData(CounterOperation.Decrement, 1, 4L, 8, 3)]      // capacity first (truncating the count to 4), then the count
    public void Counter_actions_truncate_to_zero_and_capacity(CounterOperation op, long amount, long? capacity, long before, long after)
    {
        var fleet = Of(Server("a", rooms: before));
        var spec = new AllocationSpec { CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = new(op, amount, capacity) } };
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!;
        Assert.Equal(after, chosen.Counters["rooms"].Count);
    }

    [Fact]
    public void A_server_without_room_for_the_increment_is_never_chosen()
    {
        // No minAvailable filter: Agones would allocate "full" and clamp; we refuse to over-book.
        var fleet = Of(Server("full", state: GameServerStates.Allocated, rooms: 9), Server("roomy", state: GameServerStates.Allocated, rooms: 2));
        var spec = new AllocationSpec
        {
            Selectors = [new Selector { State = GameServerStates.Allocated }],
            CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = new(CounterOperation.Increment, 2) },
        };
        Assert.Equal("roomy", Allocate(fleet, spec));
    }

    [Fact]
    public void Restore_puts_back_every_server_a_batch_touched()
    {
        var stored = new[] { Server("a", node: "n"), Server("b", node: "n") };
        var fleet = Of(stored.Select(s => s.Clone()).ToArray());
        var engine = new AllocationEngine(fleet, new Random(1));
        engine.Allocate(Session(), Now);
        fleet.Put(Server("c", node: "n"));
        fleet.Remove("default/b");
        fleet.TakeChanges();
        Assert.Equal(["default/a", "default/b", "default/c"], fleet.Touched.Order());

        // What Redis still holds for the touched keys (the commit wrote nothing).
        fleet.Restore(fleet.Touched.ToList().Select(k => (k, stored.FirstOrDefault(s => s.Key == k)?.Clone())));

        Assert.Equal(["a", "b"], fleet.Servers.Select(s => s.Name).Order());
        Assert.Equal(0, fleet.Find("default/a")!.Counters["rooms"].Count);
        Assert.Equal(GameServerStates.Ready, fleet.Find("default/a")!.State);
        Assert.Equal(new NodeTally(0, 2), fleet.TallyOf("n"));
        Assert.Empty(fleet.TakeChanges().Changed);
        Assert.Empty(fleet.Touched);
        Assert.Equal("a", new AllocationEngine(fleet, new Random(1)).Allocate(Session(), Now).Server!.Name);
    }

    [Fact]
    public void One_batch_packs_sessions_onto_the_fewest_servers()
    {
        var servers = Enumerable.Range(0, 20).Select(i => Server($"gs-{i:D2}", node: $"n{i % 4}", capacity: 10)).ToArray();
        var fleet = Of(servers);
        var engine = new AllocationEngine(fleet, new Random(1));
        for (var i = 0; i < 55; i++) Assert.NotNull(engine.Allocate(Session(), Now).Server);

        var used = fleet.Servers.Where(s => s.Counters["rooms"].Count > 0).ToList();
        Assert.Equal(6, used.Count); // ceil(55 / 10)
        Assert.Equal(5, used.Count(s => s.Counters["rooms"].Count == 10));
        Assert.All(fleet.Servers, s => Assert.InRange(s.Counters["rooms"].Count, 0, 10));
        Assert.Equal(55, fleet.Servers.Sum(s => s.Counters["rooms"].Count));
    }

    [Fact]
    public void Nothing_matches_when_the_fleet_is_full()
    {
        var fleet = Of(Server("a", state: GameServerStates.Allocated, rooms: 10));
        Assert.Null(Allocate(fleet, Session()));
        Assert.Empty(fleet.TakeChanges().Changed);
    }

    [Fact]
    public void Distributed_without_priorities_picks_randomly_among_matches()
    {
        var names = Enumerable.Range(0, 8).Select(i => $"s{i}").ToArray();
        var picks = new HashSet<string>();
        for (var seed = 0; seed < 64; seed++)
        {
            var fleet = Of(names.Select(n => Server(n)).ToArray());
            picks.Add(Allocate(fleet, new AllocationSpec { Scheduling = Scheduling.Distributed }, seed)!);
        }

        Assert.True(picks.Count >= 4, $"only {picks.Count} distinct servers picked");
    }

    [Fact]
    public void Fleet_records_changes_and_node_tallies()
    {
        var fleet = Of(Server("a", node: "n1"), Server("b", node: "n1"));
        Assert.Equal(new NodeTally(0, 2), fleet.TallyOf("n1"));
        new AllocationEngine(fleet, new Random(1)).Allocate(new AllocationSpec(), Now);
        Assert.Equal(new NodeTally(1, 1), fleet.TallyOf("n1"));
        var (changed, removed) = fleet.TakeChanges();
        Assert.Equal("a", Assert.Single(changed).Name);
        Assert.Empty(removed);
        Assert.Empty(fleet.TakeChanges().Changed);
    }
}
