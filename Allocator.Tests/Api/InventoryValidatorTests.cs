using Allocator.Inventory.V1;
using Allocator.Service.Api;
using Google.Protobuf;

namespace Allocator.Tests.Api;

public class InventoryValidatorTests
{
    private const string Valid = """{"name":"gs-1","labels":{"agones.dev/fleet":"f"},"counters":{"rooms":{"capacity":"4"}},"lists":{"players":{"capacity":"4","values":["p1","p2"]}}}""";

    public static TheoryData<string, string> Invalid => new()
    {
        // A list is a set (Agones' CRD: x-kubernetes-list-type: set).
        { """{"name":"gs-1","lists":{"players":{"capacity":"5","values":["p1","p1","p2"]}}}""", "gameServer.lists[players].values: \"p1\"" },
        { """{"name":"gs-1","lists":{"players":{"capacity":"5","values":["p1","p2","p2"]}}}""", "gameServer.lists[players].values: \"p2\"" },
        { """{"name":"gs-1","labels":{"-bad.example/x":"y"}}""", "gameServer.labels[-bad.example/x]" },
        { """{"name":"gs-1","labels":{"a..b/x":"y"}}""", "gameServer.labels[a..b/x]" },
        { """{"name":"gs-1","annotations":{"a..b/x":"y"}}""", "gameServer.annotations[a..b/x]" },
        { """{"name":"a..b"}""", "gameServer.name" },
        { """{"name":"gs-1","lists":{"players":{"capacity":"1","values":["p1","p2"]}}}""", "gameServer.lists[players]" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Names_the_offending_field(string json, string field)
    {
        var problem = InventoryValidator.Validate(JsonParser.Default.Parse<GameServer>(json), "gameServer");
        Assert.NotNull(problem);
        Assert.StartsWith(field, problem);
    }

    [Theory]
    [InlineData(Valid)]
    [InlineData("""{"name":"gs-1","annotations":{"Example.COM/Note":"x"}}""")]
    public void Accepts_a_valid_server(string json)
    {
        Assert.Null(InventoryValidator.Validate(JsonParser.Default.Parse<GameServer>(json), "gameServer"));
    }
}
