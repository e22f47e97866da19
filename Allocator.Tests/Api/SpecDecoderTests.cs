
using Allocator.Service.Allocation;
using Allocator.Service.Api;

namespace Allocator.Tests.Api;

public class SpecDecoderTests
{
    private static AllocationSpec Decode(string json) => SpecDecoder.ToSpec(SpecDecoder.Parse(json));

    [Fact]
    public void Deprecated_selectors_are_used_only_without_gameServerSelectors_preferred_first()
    {
        var legacy = Decode("""{"requiredGameServerSelector":{"matchLabels":{"f":"req"}},"preferredGameServerSelectors":[{"matchLabels":{"f":"p1"}},{"matchLabels":{"f":"p2"}}]}""");
        Assert.Equal(["p1", "p2", "req"], legacy.Selectors.Select(s => s.MatchLabels["f"]));

        var current = Decode("""{"requiredGameServerSelector":{"matchLabels":{"f":"req"}},"gameServerSelectors":[{"matchLabels":{"f":"new"}}]}""");
        Assert.Equal(["new"], current.Selectors.Select(s => s.MatchLabels["f"]));

        var none = Decode("{}");
        Assert.Equal(GameServerStates.Ready, Assert.Single(none.Selectors).State);
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
    public void Empty_namespace_means_default_and_capacity_only_counter_action_changes_capacity_alone()
    {
        var spec = Decode("""{"counters":{"rooms":{"capacity":"4"}}}""");
        Assert.Equal("default", spec.Namespace);
        Assert.Equal(new CounterAction(CounterOperation.Increment, 0, 4), spec.CounterActions["rooms"]);
    }
}
