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
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Names_the_offending_field(string json, string field)
    {
        var request = Google.Protobuf.JsonParser.Default.Parse<AllocationRequest>(json);
        var problem = AllocationRequestValidator.Validate(request);
        Assert.NotNull(problem);
        Assert.StartsWith(field, problem);
    }

    [Fact]
    public void Accepts_the_demo_session_request_and_an_empty_request()
    {
        Assert.Null(AllocationRequestValidator.Validate(SessionRequests.HighDensity("demo", "rooms")));
        Assert.Null(AllocationRequestValidator.Validate(new AllocationRequest()));
    }
}
