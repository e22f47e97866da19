
using Allocator.Service.Allocation;
using Allocator.Service.Api;
using Allocator.Tests.Allocation;

namespace Allocator.Tests.Api;

public class SpecDecoderTests
{
    private static AllocationSpec Decode(string json) => SpecDecoder.ToSpec(SpecDecoder.Parse(json));

    /// <summary>The selectors tried, in order: each one's "f" label, "*" for the empty selector (any Ready server).</summary>
    [Theory]
    [InlineData("""{}""", "*")]
    [InlineData("""{"requiredGameServerSelector":{"matchLabels":{"f":"req"}}}""", "req")]
    [InlineData("""{"preferredGameServerSelectors":[{"matchLabels":{"f":"p1"}}]}""", "p1,*")]
    [InlineData("""{"preferredGameServerSelectors":[{"matchLabels":{"f":"p1"}},{"matchLabels":{"f":"p2"}}],"requiredGameServerSelector":{"matchLabels":{"f":"req"}}}""", "p1,p2,req")]
    [InlineData("""{"requiredGameServerSelector":{},"preferredGameServerSelectors":[{"matchLabels":{"f":"p1"}}]}""", "p1,*")]
    [InlineData("""{"gameServerSelectors":[{"matchLabels":{"f":"new"}}],"requiredGameServerSelector":{"matchLabels":{"f":"req"}},"preferredGameServerSelectors":[{"matchLabels":{"f":"p1"}}]}""", "new")]
    public void Deprecated_selectors_are_preferred_then_required_which_defaults_to_any_Ready_server(string json, string expected)
    {
        var selectors = Decode(json).Selectors;
        Assert.Equal(expected, string.Join(",", selectors.Select(s => s.MatchLabels.GetValueOrDefault("f", "*"))));
        Assert.All(selectors, s => Assert.Equal(GameServerStates.Ready, s.State));
    }

    [Fact]
    public void Preferred_selectors_that_match_nothing_fall_back_to_any_Ready_server_as_in_Agones()
    {
        var fleet = FleetBuilder.Of(FleetBuilder.Server("gs-1", fleet: "mine"));
        var spec = Decode("""{"preferredGameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"other"}}]}""");
        var decision = new AllocationEngine(fleet, new Random(1)).Allocate(spec, DateTimeOffset.UnixEpoch);
        Assert.Equal("gs-1", decision.Server?.Name);
    }

    [Fact]
    public void MetaPatch_is_used_only_when_metadata_is_unset()
    {
        Assert.Equal("old", Decode("""{"metaPatch":{"labels":{"v":"old"}}}""").Labels["v"]);
        Assert.Equal("new", Decode("""{"metaPatch":{"labels":{"v":"old"}},"metadata":{"labels":{"v":"new"}}}""").Labels["v"]);
    }

    [Fact]
    public void Fields_map_onto_the_engine_spec()
    {
        var spec = Decode("""
            {"namespace":"games","scheduling":"Distributed",
             "gameServerSelectors":[{"gameServerState":"ALLOCATED",
                "matchExpressions":[{"key":"mode","operator":"NotIn","values":["x"]}],
                "counters":{"rooms":{"minCount":"1","maxCount":"9","minAvailable":"2","maxAvailable":"8"}},
                "lists":{"players":{"containsValue":"p1","minAvailable":"1","maxAvailable":"5"}}}],
             "priorities":[{"type":"List","key":"players","order":"Descending"}],
             "counters":{"rooms":{"action":"Decrement","amount":"2","capacity":"12"}},
             "lists":{"players":{"addValues":["a"],"deleteValues":["b"],"capacity":"7"}}}
            """);
        Assert.Equal("games", spec.Namespace);
        Assert.Equal(Scheduling.Distributed, spec.Scheduling);
        var selector = Assert.Single(spec.Selectors);
        Assert.Equal(GameServerStates.Allocated, selector.State);
        Assert.Equal(new LabelExpression("mode", LabelOperator.NotIn, ["x"]).Key, Assert.Single(selector.MatchExpressions).Key);
        Assert.Equal(LabelOperator.NotIn, selector.MatchExpressions[0].Operator);
        Assert.Equal(new CounterFilter(1, 9, 2, 8), selector.Counters["rooms"]);
        Assert.Equal(new ListFilter("p1", 1, 5), selector.Lists["players"]);
        Assert.Equal(new Priority(PriorityType.List, "players", PriorityOrder.Descending), Assert.Single(spec.Priorities));
        Assert.Equal(new CounterAction(CounterOperation.Decrement, 2, 12), spec.CounterActions["rooms"]);
        Assert.Equal(["a"], spec.ListActions["players"].AddValues);
        Assert.Equal(["b"], spec.ListActions["players"].DeleteValues);
        Assert.Equal(7, spec.ListActions["players"].Capacity);
    }

    [Fact]
    public void Empty_namespace_means_default()
    {
        Assert.Equal("default", Decode("{}").Namespace);
        Assert.Equal("games", Decode("""{"namespace":"games"}""").Namespace);
    }

    /// <summary>Operation ("-" for none), amount, capacity ("-" for none), and whether it increments.</summary>
    [Theory]
    [InlineData("""{"capacity":"2"}""", "-", 0, "2", false)]
    [InlineData("""{"capacity":"0"}""", "-", 0, "0", false)]
    [InlineData("""{"action":"Increment","amount":"1"}""", "Increment", 1, "-", true)]
    [InlineData("""{"action":"Increment","amount":"0","capacity":"2"}""", "Increment", 0, "2", false)]
    [InlineData("""{"action":"Decrement","amount":"3","capacity":"7"}""", "Decrement", 3, "7", false)]
    public void Counter_actions_decode_as_Agones_reads_them(string action, string operation, long amount, string capacity, bool increments)
    {
        var decoded = Decode($$$"""{"counters":{"rooms":{{{action}}}}}""").CounterActions["rooms"];
        Assert.Equal(operation, decoded.Operation?.ToString() ?? "-");
        Assert.Equal(amount, decoded.Amount);
        Assert.Equal(capacity, decoded.Capacity?.ToString() ?? "-");
        Assert.Equal(increments, decoded.Increments);
    }

    [Fact]
    public void A_counter_entry_without_action_or_capacity_does_nothing()
    {
        Assert.Empty(Decode("""{"counters":{"rooms":{}}}""").CounterActions);
    }
}
