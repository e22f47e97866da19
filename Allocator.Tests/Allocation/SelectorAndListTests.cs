using Allocator.Service.Allocation;
using static Allocator.Tests.Allocation.FleetBuilder;

namespace Allocator.Tests.Allocation;

public class SelectorAndListTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static GameServer WithList(GameServer server, long capacity, params string[] values)
    {
        server.Lists["players"] = new ListState { Capacity = capacity, Values = [.. values] };
        return server;
    }

    [Theory]
    [InlineData(LabelOperator.In, new[] { "eu", "us" }, "s-eu,s-us")]
    [InlineData(LabelOperator.NotIn, new[] { "eu" }, "s-none,s-us")]
    [InlineData(LabelOperator.Exists, new string[0], "s-eu,s-us")]
    [InlineData(LabelOperator.DoesNotExist, new string[0], "s-none")]
    public void Match_expressions(LabelOperator op, string[] values, string matching)
    {
        var eu = Server("s-eu");
        eu.Labels["region"] = "eu";
        var us = Server("s-us");
        us.Labels["region"] = "us";
        var none = Server("s-none");
        var selector = new Selector { MatchExpressions = [new LabelExpression("region", op, values)] };
        Assert.Equal(matching, string.Join(",", new[] { eu, none, us }.Where(s => SelectorMatch.Matches(selector, s)).Select(s => s.Name).Order()));
    }

    [Theory]
    [InlineData("p1", 0, 0, "a")]
    [InlineData("", 2, 0, "b")]   // minAvailable 2: a has 1 free, b has 3
    [InlineData("", 0, 1, "a")]   // maxAvailable 1
    public void List_filters(string contains, long minAvailable, long maxAvailable, string expected)
    {
        var a = WithList(Server("a"), 3, "p1", "p2");
        var b = WithList(Server("b"), 4, "p3");
        var selector = new Selector { Lists = new Dictionary<string, ListFilter> { ["players"] = new(contains, minAvailable, maxAvailable) } };
        Assert.Equal(expected, Assert.Single(new[] { a, b }, s => SelectorMatch.Matches(selector, s)).Name);
    }

    [Fact]
    public void List_actions_add_without_duplicates_up_to_capacity_then_delete()
    {
        var fleet = Of(WithList(Server("a"), 3, "p1"));
        var spec = new AllocationSpec
        {
            ListActions = new Dictionary<string, ListAction> { ["players"] = new(["p1", "p2", "p3", "p4"], ["p2"]) },
        };
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!;
        Assert.Equal(["p1", "p3"], chosen.Lists["players"].Values);
    }

    /// <summary>
    /// Lists are sets, as in Agones: additions skip what the list holds (and any value twice in
    /// one action), deletions remove every copy. Lists (comma-separated), capacity -1 for none.
    /// A list holding a value twice cannot be registered; the rows with one show what a stored
    /// server from before that rule comes out as.
    /// </summary>
    [Theory]
    [InlineData("p1,p2", 5, "p3,p3,p1", "", -1, "p1,p2,p3")]
    [InlineData("p1,p1,p2", 5, "", "p1", -1, "p2")]
    [InlineData("p1,p1,p2", 5, "p3", "", -1, "p1,p2,p3")]
    [InlineData("p1,p2,p3", 3, "p4", "", -1, "p1,p2,p3")]
    [InlineData("p1,p2,p3", 5, "", "", 2, "p1,p2")]
    [InlineData("p1,p2,p3", 5, "p4", "p1", 2, "p2")]     // capacity, then additions, then deletions
    [InlineData("p1", 3, "p2", "p2,p9", -1, "p1")]
    public void List_actions_treat_lists_as_sets(string values, long capacity, string add, string delete, long newCapacity, string expected)
    {
        static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var fleet = Of(WithList(Server("a"), capacity, Split(values)));
        var spec = new AllocationSpec
        {
            ListActions = new Dictionary<string, ListAction> { ["players"] = new(Split(add), Split(delete), newCapacity < 0 ? null : newCapacity) },
        };
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!;
        Assert.Equal(expected, string.Join(",", chosen.Lists["players"].Values));
    }

    [Theory]
    [InlineData(5000, 5000)]     // the API holds requests to Allocator:ListMaxItems; the engine takes what it is handed
    [InlineData(20000, 10000)]   // up to its own ceiling
    public void List_capacity_is_what_the_request_sets_up_to_the_engine_ceiling(long asked, long expected)
    {
        var fleet = Of(WithList(Server("a"), 3));
        var spec = new AllocationSpec { ListActions = new Dictionary<string, ListAction> { ["players"] = new([], [], asked) } };
        Assert.Equal(expected, new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!.Lists["players"].Capacity);
    }

    [Fact]
    public void Servers_lacking_the_priority_key_sort_last_in_either_order()
    {
        foreach (var order in new[] { PriorityOrder.Ascending, PriorityOrder.Descending })
        {
            var lacking = Server("a-lacking");
            lacking.Counters.Clear();
            var fleet = Of(lacking, Server("z-has", rooms: 3));
            var spec = new AllocationSpec { Priorities = [new Priority(PriorityType.Counter, "rooms", order)] };
            Assert.Equal("z-has", new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!.Name);
        }
    }

    [Fact]
    public void Distributed_with_priorities_ignores_node_packing_and_sorts_by_priorities_only()
    {
        GameServer[] Servers() =>
        [
            Server("busy-alloc", node: "busy", state: GameServerStates.Allocated, rooms: 10),
            Server("busy-ready", node: "busy", rooms: 2),
            Server("idle-ready", node: "idle", rooms: 0),
        ];
        var priorities = new[] { new Priority(PriorityType.Counter, "rooms", PriorityOrder.Descending) };

        var distributed = new AllocationSpec { Scheduling = Scheduling.Distributed, Priorities = priorities };
        Assert.Equal("idle-ready", new AllocationEngine(Of(Servers()), new Random(1)).Allocate(distributed, Now).Server!.Name);

        var packed = distributed with { Scheduling = Scheduling.Packed };
        Assert.Equal("busy-ready", new AllocationEngine(Of(Servers()), new Random(1)).Allocate(packed, Now).Server!.Name);
    }

    [Fact]
    public void An_action_on_a_missing_counter_is_skipped_and_the_allocation_stands()
    {
        var fleet = Of(Server("a"));
        var spec = new AllocationSpec { CounterActions = new Dictionary<string, CounterAction> { ["missing"] = new(CounterOperation.Increment, 1) } };
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server!;
        Assert.Equal(GameServerStates.Allocated, chosen.State);
        Assert.False(chosen.Counters.ContainsKey("missing"));
    }
}
