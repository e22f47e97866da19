using System.Text.Json;
using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.KubernetesApi;
using GameServerSelector = Allocation.V1.GameServerSelector;
using Priority = Allocation.V1.Priority;

namespace Allocator.Tests.KubernetesApi;

/// <summary>A GameServerAllocation's spec as the AllocationRequest it means, and its problems named as the spec names them.</summary>
public class RequestConversionTests
{
    private static (AllocationRequest Request, List<StatusCause> Causes) Convert(string spec, string ns = "default")
    {
        var causes = new List<StatusCause>();
        var parsed = JsonSerializer.Deserialize<GameServerAllocationSpec>(spec, KubernetesResponse.Json)!;
        return (RequestConversion.ToRequest(parsed, ns, causes), causes);
    }

    /// <summary>Every problem, whether conversion or the gRPC validator finds it, as the cause a 422 carries.</summary>
    private static List<StatusCause> Problems(string spec, string ns = "default")
    {
        var (request, causes) = Convert(spec, ns);
        if (causes.Count == 0 && AllocationRequestValidator.Validate(request) is { } problem) causes.Add(FieldPaths.Cause(problem));
        return causes;
    }

    public static TheoryData<string, string, string> Invalid => new()
    {
        // Strings that are enums in the proto: the conversion's own causes.
        { """{"scheduling":"Tightest"}""", "spec.scheduling", "FieldValueNotSupported" },
        { """{"selectors":[{},{"gameServerState":"Shutdown"}]}""", "spec.selectors[1].gameServerState", "FieldValueNotSupported" },
        { """{"selectors":[{"matchExpressions":[{"key":"a","operator":"Near"}]}]}""", "spec.selectors[0].matchExpressions[0].operator", "FieldValueNotSupported" },
        { """{"priorities":[{"type":"Players","key":"x"}]}""", "spec.priorities[0].type", "FieldValueNotSupported" },
        { """{"priorities":[{"type":"Counter","key":"x","order":"Up"}]}""", "spec.priorities[0].order", "FieldValueNotSupported" },
        { """{"multiClusterSetting":{"enabled":true,"policySelector":{"matchExpressions":[{"key":"a","operator":"Exists"}]}}}""", "spec.multiClusterSetting.policySelector.matchExpressions", "FieldValueInvalid" },
        // The validator's, renamed.
        { """{"selectors":[{"counters":{"rooms":{"minAvailable":-1}}}]}""", "spec.selectors[0].counters[rooms].minAvailable", "FieldValueInvalid" },
        { """{"selectors":[{"matchExpressions":[{"key":"a","operator":"In"}]}]}""", "spec.selectors[0].matchExpressions[0].values", "FieldValueInvalid" },
        { """{"preferred":[{"lists":{"players":{"minAvailable":-3}}}]}""", "spec.preferred[0].lists[players].minAvailable", "FieldValueInvalid" },
        { """{"required":{"matchLabels":{"bad key!":"x"}}}""", "spec.required.matchLabels[bad key!]", "FieldValueInvalid" },
        { """{"counters":{"rooms":{"action":"Add","amount":1}}}""", "spec.counters[rooms].action", "FieldValueInvalid" },
        { """{"lists":{"players":{"capacity":1001}}}""", "spec.lists[players].capacity", "FieldValueInvalid" },
        { """{"metadata":{"labels":{"ok":"not ok value!"}}}""", "spec.metadata.labels[ok]", "FieldValueInvalid" },
        { """{"priorities":[{"type":"Counter","key":""}]}""", "spec.priorities[0].key", "FieldValueInvalid" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_problem_is_a_cause_naming_the_GameServerAllocation_field(string spec, string field, string reason)
    {
        var cause = Assert.Single(Problems(spec));
        Assert.Equal((field, reason), (cause.Field, cause.Reason));
    }

    [Fact]
    public void A_bad_namespace_is_named_as_metadata_namespace()
    {
        var cause = Assert.Single(Problems("{}", ns: "Bad_NS"));
        Assert.Equal("metadata.namespace", cause.Field);
    }

    [Fact]
    public void Every_enum_problem_is_reported_at_once()
    {
        var (_, causes) = Convert("""{"scheduling":"x","selectors":[{"gameServerState":"y"}],"priorities":[{"type":"z","key":"k","order":"w"}]}""");
        Assert.Equal(["spec.scheduling", "spec.selectors[0].gameServerState", "spec.priorities[0].type", "spec.priorities[0].order"], causes.Select(c => c.Field));
    }

    [Fact]
    public void A_full_spec_becomes_the_request_it_means()
    {
        var (request, causes) = Convert("""
            {"selectors":[{"matchLabels":{"agones.dev/fleet":"f"},"gameServerState":"Allocated","counters":{"rooms":{"minAvailable":1,"maxCount":9}},
                           "lists":{"players":{"containsValue":"p1","minAvailable":2}},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["old"]}]},
                          {"matchLabels":{"agones.dev/fleet":"f"}}],
             "scheduling":"Distributed",
             "priorities":[{"type":"List","key":"players"},{"type":"Counter","key":"rooms","order":"Descending"}],
             "counters":{"rooms":{"action":"Increment","amount":1,"capacity":10}},
             "lists":{"players":{"addValues":["p2"],"deleteValues":["p0"],"capacity":8}},
             "metadata":{"labels":{"match":"m"},"annotations":{"map":"dust"}},
             "multiClusterSetting":{"enabled":true,"policySelector":{"matchLabels":{"region":"eu"}}}}
            """, ns: "games");

        Assert.Empty(causes);
        Assert.Equal("games", request.Namespace);
        Assert.Equal(AllocationRequest.Types.SchedulingStrategy.Distributed, request.Scheduling);
        Assert.Equal(2, request.GameServerSelectors.Count);
        var first = request.GameServerSelectors[0];
        Assert.Equal(GameServerSelector.Types.GameServerState.Allocated, first.GameServerState);
        Assert.Equal(GameServerSelector.Types.GameServerState.Ready, request.GameServerSelectors[1].GameServerState); // Agones' default
        Assert.Equal((1L, 9L), (first.Counters["rooms"].MinAvailable, first.Counters["rooms"].MaxCount));
        Assert.Equal(("p1", 2L), (first.Lists["players"].ContainsValue, first.Lists["players"].MinAvailable));
        Assert.Equal(("tier", LabelMatchExpressions.Types.Operator.NotIn, "old"), (first.MatchExpressions[0].Key, first.MatchExpressions[0].Operator, first.MatchExpressions[0].Values.Single()));
        Assert.Equal(Priority.Types.Order.Ascending, request.Priorities[0].Order); // Agones' default order
        Assert.Equal((Priority.Types.Type.Counter, Priority.Types.Order.Descending), (request.Priorities[1].Type, request.Priorities[1].Order));
        Assert.Equal(("Increment", 1L, 10L), (request.Counters["rooms"].Action, request.Counters["rooms"].Amount, request.Counters["rooms"].Capacity));
        Assert.Equal(["p2"], request.Lists["players"].AddValues);
        Assert.Equal(["p0"], request.Lists["players"].DeleteValues);
        Assert.Equal(8L, request.Lists["players"].Capacity);
        Assert.Equal("m", request.Metadata.Labels["match"]);
        Assert.Equal("dust", request.Metadata.Annotations["map"]);
        Assert.True(request.MultiClusterSetting.Enabled);
        Assert.Equal("eu", request.MultiClusterSetting.PolicySelector.MatchLabels["region"]);
        Assert.Null(AllocationRequestValidator.Validate(request));
    }

    [Fact]
    public void A_JSON_null_in_a_list_or_map_is_the_zero_value_as_Kubernetes_reads_it()
    {
        var (request, causes) = Convert("""
            {"selectors":[null,{"matchLabels":{"a":null},"counters":{"rooms":null},"matchExpressions":[{"key":"k","operator":"In","values":[null]}]}],
             "counters":{"rooms":null},"lists":{"players":{"addValues":[null]}},"metadata":{"labels":{"x":null}}}
            """);
        Assert.Empty(causes);
        Assert.Equal(new GameServerSelector(), request.GameServerSelectors[0]);
        Assert.Equal("", request.GameServerSelectors[1].MatchLabels["a"]);
        Assert.Equal([""], request.GameServerSelectors[1].MatchExpressions[0].Values);
        Assert.Null(request.Counters["rooms"].Action);
        Assert.Equal("", request.Metadata.Labels["x"]);
        // Then the validator judges the zero values: an empty list value is no value.
        Assert.Equal("spec.lists[players]", FieldPaths.Cause(AllocationRequestValidator.Validate(request)!).Field);
    }

    [Fact]
    public void Deprecated_preferred_and_required_keep_their_meaning()
    {
        var (request, causes) = Convert("""{"preferred":[{"matchLabels":{"v":"2"}}],"required":{"matchLabels":{"agones.dev/fleet":"f"}}}""");
        Assert.Empty(causes);
        Assert.Empty(request.GameServerSelectors);
#pragma warning disable CS0612
        Assert.Equal("2", request.PreferredGameServerSelectors.Single().MatchLabels["v"]);
        Assert.Equal("f", request.RequiredGameServerSelector.MatchLabels["agones.dev/fleet"]);
#pragma warning restore CS0612
        // Preferred first, then required: the order Agones tries them in.
        Assert.Equal(["2", "f"], SpecDecoder.Selectors(request).Select(s => s.MatchLabels.Values.Single()));
    }
}
