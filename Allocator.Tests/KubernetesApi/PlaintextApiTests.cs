using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.KubernetesApi;

/// <summary>In plaintext mode (demos, a mesh that terminates TLS) the Kubernetes API is also on the ops port, as REST is, and unauthenticated.</summary>
public class PlaintextApiTests
{
    [Fact]
    public async Task The_ops_port_serves_discovery_and_creates_allocations()
    {
        var redis = await RedisServer.GetAsync();
        await using var replica = await ReplicaProcess.StartAsync("gsa-plain", redis.ConnectionString, RedisServer.UniquePrefix("gsa-plain"),
            "--Allocator:KubernetesApi:Enabled=true",
            $"--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=2,counter=rooms,fleet={AggregatedApiFixture.Fleet},namespace=games");
        using var http = new HttpClient();
        var ops = $"http://127.0.0.1:{replica.OpsPort}";

        using var resources = await http.GetAsync($"{ops}/apis/allocation.agones.dev/v1");
        Assert.Equal(HttpStatusCode.OK, resources.StatusCode);
        Assert.Equal("APIResourceList", (string?)JsonNode.Parse(await resources.Content.ReadAsStringAsync())!["kind"]);

        using var created = await http.PostAsync($"{ops}/apis/allocation.agones.dev/v1/namespaces/games/gameserverallocations",
            new StringContent(AggregatedApiFixture.Allocation().ToJsonString(), Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        Assert.Equal("Allocated", (string?)body["status"]!["state"]);
        Assert.Equal("games", (string?)body["metadata"]!["namespace"]);

        // A GET of the collection is not served: the API has only create, as Agones'.
        using var list = await http.GetAsync($"{ops}/apis/allocation.agones.dev/v1/namespaces/games/gameserverallocations");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, list.StatusCode);
    }
}
