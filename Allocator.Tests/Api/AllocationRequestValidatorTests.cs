using Allocation.V1;
using Allocator.Service.Api;

namespace Allocator.Tests.Api;

public class AllocationRequestValidatorTests
{
    public static TheoryData<string, string> Invalid => new()
    {
        { """{"namespace":"Bad_NS"}""", "namespace" },
        { """{"scheduling":7}""", "scheduling" },
        { """{"gameServerSelectors":[{},{"gameServerState":5}]}""", "gameServerSelectors[1].gameServerState" },
        { """{"gameServerSelectors":[{"matchLabels":{"bad key!":"x"}}]}""", "gameServerSelectors[0].matchLabels[bad key!]" },
        { """{"gameServerSelectors":[{"counters":{"rooms":{"minAvailable":"-1"}}}]}""", "gameServerSelectors[0].counters[rooms].minAvailable" },
        { """{"gameServerSelectors":[{"counters":{"rooms":{"minCount":"5","maxCount":"2"}}}]}""", "gameServerSelectors[0].counters[rooms].maxCount" },
        { """{"gameServerSelectors":[{"matchExpressions":[{"key":"a","operator":"In"}]}]}""", "gameServerSelectors[0].matchExpressions[0].values" },
        { """{"gameServerSelectors":[{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}]}""", "gameServerSelectors[0].matchExpressions[0].values" },
        { """{"preferredGameServerSelectors":[{"lists":{"players":{"minAvailable":"-3"}}}]}""", "preferredGameServerSelectors[0].lists[players].minAvailable" },
        { """{"counters":{"rooms":{"action":"Add","amount":"1"}}}""", "counters[rooms].action" },
        { """{"counters":{"rooms":{"action":"Increment"}}}""", "counters[rooms]: action and amount" },
        { """{"counters":{"rooms":{"action":"Increment","amount":"-1"}}}""", "counters[rooms].amount" },
        { """{"lists":{"players":{"capacity":"1001"}}}""", "lists[players].capacity" },
        { """{"lists":{"players":{"addValues":[""]}}}""", "lists[players]" },
        { """{"priorities":[{"type":"Counter","key":""}]}""", "priorities[0].key" },
        { """{"metadata":{"labels":{"ok":"not ok value!"}}}""", "metadata.labels[ok]" },
        // Every selector field is checked, also the deprecated ones gameServerSelectors makes unused.
        { """{"gameServerSelectors":[{}],"requiredGameServerSelector":{"gameServerState":5}}""", "requiredGameServerSelector.gameServerState" },
        { """{"gameServerSelectors":[{}],"requiredGameServerSelector":{"counters":{"rooms":{"minCount":"-1"}}}}""", "requiredGameServerSelector.counters[rooms].minCount" },
        { """{"gameServerSelectors":[{}],"preferredGameServerSelectors":[{},{"matchLabels":{"bad key!":"x"}}]}""", "preferredGameServerSelectors[1].matchLabels[bad key!]" },
        { """{"requiredGameServerSelector":{"matchLabels":{"a..b/x":"y"}}}""", "requiredGameServerSelector.matchLabels[a..b/x]" },
        // Label-key prefixes are DNS-1123 subdomains.
        { """{"gameServerSelectors":[{"matchLabels":{"-bad.example/x":"y"}}]}""", "gameServerSelectors[0].matchLabels[-bad.example/x]" },
        { """{"gameServerSelectors":[{"matchLabels":{"a..b/x":"y"}}]}""", "gameServerSelectors[0].matchLabels[a..b/x]" },
        { """{"gameServerSelectors":[{"matchExpressions":[{"key":"bad-.example/x","operator":"Exists"}]}]}""", "gameServerSelectors[0].matchExpressions[0].key" },
        { """{"metadata":{"labels":{"Upper.example/x":"y"}}}""", "metadata.labels[Upper.example/x]" },
        { """{"metaPatch":{"annotations":{".example/x":"y"}}}""", "metaPatch.annotations[.example/x]" },
        { """{"multiClusterSetting":{"enabled":true,"policySelector":{"matchLabels":{"region":"eu west"}}}}""", "multiClusterSetting.policySelector.matchLabels[region]" },
    };

    [Theory]
    [InlineData(1000, 1000, true)]
    [InlineData(1000, 1001, false)]
    [InlineData(2000, 1500, true)]   // a cluster whose GameServer CRD allows more (Agones' gameservers.lists.maxItems)
    [InlineData(50, 51, false)]
    public void A_list_capacity_is_bounded_by_ListMaxItems(int listMaxItems, int capacity, bool accepted)
    {
        var request = Google.Protobuf.JsonParser.Default.Parse<AllocationRequest>("{\"lists\":{\"players\":{\"capacity\":\"" + capacity + "\"}}}");
        var problem = AllocationRequestValidator.Validate(request, listMaxItems);
        if (accepted) Assert.Null(problem);
        else Assert.Equal($"lists[players].capacity: must be between 0 and {listMaxItems}", problem);
        var server = Google.Protobuf.JsonParser.Default.Parse<Allocator.Inventory.V1.GameServer>("{\"name\":\"gs-1\",\"lists\":{\"players\":{\"capacity\":\"" + capacity + "\"}}}");
        Assert.Equal(accepted, InventoryValidator.Validate(server, "gameServer", listMaxItems) is null);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Names_the_offending_field(string json, string field)
    {
        var request = Google.Protobuf.JsonParser.Default.Parse<AllocationRequest>(json);
        var problem = AllocationRequestValidator.Validate(request);
        Assert.NotNull(problem);
        Assert.StartsWith(field, problem);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"demo","a.b-c.example/x_Y.z":"v"}}]}""")]
    [InlineData("""{"preferredGameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"a"}}],"requiredGameServerSelector":{"matchLabels":{"agones.dev/fleet":"b"}}}""")]
    [InlineData("""{"metadata":{"annotations":{"Example.COM/Match":"m-1"}}}""")] // Kubernetes checks annotation keys in lower case
    [InlineData("""{"counters":{"rooms":{"capacity":"2"}}}""")]
    public void Accepts_valid_requests(string json)
    {
        Assert.Null(AllocationRequestValidator.Validate(Google.Protobuf.JsonParser.Default.Parse<AllocationRequest>(json)));
    }

    [Fact]
    public void Accepts_the_demo_session_request_and_an_empty_request()
    {
        Assert.Null(AllocationRequestValidator.Validate(SessionRequests.HighDensity("demo", "rooms")));
        Assert.Null(AllocationRequestValidator.Validate(new AllocationRequest()));
    }

    [Theory]
    [InlineData("x", true)]
    [InlineData("agones.dev/fleet", true)]
    [InlineData("a.b-c.d/Name_1.x", true)]
    [InlineData("a1/x", true)]
    [InlineData("-bad.example/x", false)]   // a label of the prefix starts with '-'
    [InlineData("bad-.example/x", false)]   // ... or ends with it
    [InlineData("a..b/x", false)]           // an empty label
    [InlineData(".a/x", false)]
    [InlineData("a./x", false)]
    [InlineData("A.example/x", false)]      // upper case
    [InlineData("a_b.example/x", false)]
    [InlineData("/x", false)]
    [InlineData("a/", false)]
    [InlineData("a/b/c", false)]
    [InlineData("a/-x", false)]
    public void Label_keys_are_Kubernetes_qualified_names(string key, bool valid)
    {
        Assert.Equal(valid, Names.IsLabelKey(key));
    }

    [Fact]
    public void A_label_key_prefix_may_be_253_characters()
    {
        var prefix = string.Join(".", Enumerable.Repeat(new string('a', 63), 4))[..253];
        Assert.True(Names.IsLabelKey(prefix + "/x"));
        Assert.False(Names.IsLabelKey(prefix + "a/x"));
    }
}
