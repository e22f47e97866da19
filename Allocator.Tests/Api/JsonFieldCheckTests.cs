using System.Text;
using Allocation.V1;
using Allocator.Service.Api;

namespace Allocator.Tests.Api;

/// <summary>REST bodies the transcoder would refuse without naming a field: the check names it.</summary>
public class JsonFieldCheckTests
{
    [Theory]
    [InlineData("""{"scheduling":"Fast"}""", """scheduling: expected one of Packed, Distributed, got "Fast" """)]
    [InlineData("""{"gameServerSelectors":[{},{"gameServerState":"Bogus"}]}""", """gameServerSelectors[1].gameServerState: expected one of READY, ALLOCATED, got "Bogus" """)]
    [InlineData("""{"priorities":[{"type":"Counter","order":"Up"}]}""", """priorities[0].order: expected one of Ascending, Descending, got "Up" """)]
    [InlineData("""{"gameServerSelectors":"demo"}""", """gameServerSelectors: expected an array, got "demo" """)]
    [InlineData("""{"counters":{"rooms":{"action":"Increment","amount":"one"}}}""", """counters[rooms].amount: expected a 64-bit integer, got "one" """)]
    [InlineData("""{"counters":{"rooms":{"amount":1.5}}}""", "counters[rooms].amount: expected a 64-bit integer, got the number 1.5")]
    [InlineData("""{"counters":{"rooms":{"action":7}}}""", "counters[rooms].action: expected a string, got the number 7")]
    [InlineData("""{"gameServerSelectors":[{"counters":{"rooms":{"minAvailable":"99999999999999999999"}}}]}""", """gameServerSelectors[0].counters[rooms].minAvailable: expected a 64-bit integer, got "99999999999999999999" """)]
    [InlineData("""{"metadata":{"labels":{"mode":5}}}""", "metadata.labels[mode]: expected a string, got the number 5")]
    [InlineData("""{"lists":{"players":{"addValues":["a",null]}}}""", "lists[players].addValues[1]: expected a string, got null")]
    [InlineData("""{"multiClusterSetting":{"enabled":"yes"}}""", """multiClusterSetting.enabled: expected true or false, got "yes" """)]
    [InlineData("""{"metadata":[]}""", "metadata: expected an object, got an array")]
    [InlineData("""[]""", "request body: expected an object, got an array")]
    public void A_value_that_cannot_become_its_field_is_named(string json, string expected) =>
        Assert.Equal(expected.TrimEnd(), Problem(json));

    [Theory]
    [InlineData("""{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"demo"}""", "gameServerSelectors[0]: malformed JSON at line 1, column 67")] // left open
    [InlineData("""{"namespace":"default",}""", "request body: malformed JSON at line 1, column 24")]
    [InlineData("{\"counters\":{\"rooms\":\n{\"amount\":1,,}}}", "counters[rooms]: malformed JSON at line 2, column 13")]
    [InlineData("""{"namespace":"a"} {}""", "request body: malformed JSON at line 1, column 19")]
    [InlineData("not json", "request body: malformed JSON at line 1, column 2")]
    public void Malformed_JSON_is_placed_by_field_line_and_column(string json, string expectedPlace)
    {
        var problem = Problem(json)!;
        var place = problem[..problem.IndexOf(": ", problem.IndexOf(", column", StringComparison.Ordinal), StringComparison.Ordinal)];
        Assert.Equal(expectedPlace, place);
        Assert.True(problem.Length > place.Length + 2, "the reason follows the place");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"scheduling":"Distributed","gameServerSelectors":[{"gameServerState":"ALLOCATED"}]}""")]
    [InlineData("""{"scheduling":1,"priorities":[{"type":1,"order":"Descending"}]}""")] // enums by number
    [InlineData("""{"counters":{"rooms":{"action":"Increment","amount":"1","capacity":10}}}""")] // int64 as string or number
    [InlineData("""{"counters":{"rooms":{"amount":1e2}}}""")] // a whole number in exponent form
    [InlineData("""{"namespace":null,"metadata":null,"counters":{"rooms":{"amount":null}}}""")] // null is the default
    [InlineData("""{"someFutureField":{"x":[1,{"y":"z"}]},"namespace":"default"}""")] // unknown fields are ignored
    [InlineData("""{"game_server_selectors":[]}""")] // an unknown name is ignored, whatever its value
    public void What_protojson_accepts_passes(string json) => Assert.Null(Problem(json));

    private static string? Problem(string json) => JsonFieldCheck.Problem(Encoding.UTF8.GetBytes(json), AllocationRequest.Descriptor);
}
