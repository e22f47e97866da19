using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Tests.EndToEnd;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using k8s.Autorest;
using Xunit.Abstractions;

namespace Allocator.Tests.KubernetesApi;

/// <summary>
/// <c>allocation.agones.dev/v1</c> served as an aggregated API by replica processes over TLS, called
/// as the Kubernetes API server calls it: the real KubernetesClient, and kubectl-shaped requests,
/// with a front-proxy client certificate and the user in <c>X-Remote-User</c>.
/// </summary>
public class AggregatedApiTests(AggregatedApiFixture fx, ITestOutputHelper output) : IClassFixture<AggregatedApiFixture>
{
    private const string Group = "allocation.agones.dev";

    private async Task<Dictionary<string, long>> RoomsAsync() =>
        (await FleetAssertions.ServersAsync(fx.Redis.Connection.GetDatabase(), fx.Prefix))
        .ToDictionary(s => s.Name, s => s.Counters.TryGetValue("rooms", out var c) ? c.Count : 0);

    [Fact]
    public async Task The_real_client_creates_a_GameServerAllocation_which_allocates_through_the_queue()
    {
        using var client = fx.Client(fx.Mtls);
        var before = await RoomsAsync();

        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(
            AggregatedApiFixture.Allocation(generateName: "gsa-"), Group, "v1", "default", "gameserverallocations");
        output.WriteLine(JsonSerializer.Serialize(created, new JsonSerializerOptions { WriteIndented = true }));

        var status = created.GetProperty("status");
        Assert.Equal("Allocated", status.GetProperty("state").GetString());
        var name = status.GetProperty("gameServerName").GetString()!;
        Assert.StartsWith(AggregatedApiFixture.Fleet + "-", name);
        Assert.Equal(name, created.GetProperty("metadata").GetProperty("name").GetString()); // Agones names it after its game server
        Assert.Equal("default", created.GetProperty("metadata").GetProperty("namespace").GetString());
        Assert.Equal("GameServerAllocation", created.GetProperty("kind").GetString());
        Assert.Equal("local", status.GetProperty("source").GetString());
        Assert.False(string.IsNullOrEmpty(status.GetProperty("address").GetString()));
        Assert.False(string.IsNullOrEmpty(status.GetProperty("nodeName").GetString()));
        Assert.Equal(JsonValueKind.Array, status.GetProperty("ports").ValueKind);
        Assert.Equal("m-1", status.GetProperty("metadata").GetProperty("labels").GetProperty("match").GetString());
        var rooms = status.GetProperty("counters").GetProperty("rooms");
        Assert.Equal(before[name] + 1, rooms.GetProperty("count").GetInt64());
        Assert.Equal(4, rooms.GetProperty("capacity").GetInt64());

        // It really happened: Redis holds the session.
        Assert.Equal(before[name] + 1, (await RoomsAsync())[name]);
    }

    [Fact]
    public async Task Discovery_answers_the_real_client_and_kubectl_aggregated_discovery()
    {
        using var client = fx.Client(fx.Mtls);
        var groups = await client.Apis.GetAPIVersionsAsync();
        var group = Assert.Single(groups.Groups);
        Assert.Equal(Group, group.Name);
        Assert.Equal("allocation.agones.dev/v1", group.PreferredVersion.GroupVersion);

        var resources = await client.CustomObjects.GetAPIResourcesAsync(Group, "v1");
        var resource = Assert.Single(resources.Resources);
        Assert.Equal(("gameserverallocations", "GameServerAllocation", true), (resource.Name, resource.Kind, resource.Namespaced));
        Assert.Equal(["create"], resource.Verbs);

        using var http = fx.Http(fx.FrontProxy);
        // kubectl asks for aggregated discovery first, with plain JSON as the fall-back.
        using var aggregated = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{fx.Mtls.Port}/apis");
        aggregated.Headers.TryAddWithoutValidation("Accept",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
        using var answer = await http.SendAsync(aggregated);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("as=APIGroupDiscoveryList", answer.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "as").ToString());
        var list = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        Assert.Equal("apidiscovery.k8s.io/v2", (string?)list["apiVersion"]);
        var version = list["items"]![0]!["versions"]![0]!;
        Assert.Equal("gameserverallocations", (string?)version["resources"]![0]!["resource"]);
        Assert.Equal("Namespaced", (string?)version["resources"]![0]!["scope"]);

        // Asking for a representation we do not serve is a 406: the client falls back to the per-version documents.
        using var protobufOnly = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{fx.Mtls.Port}/apis/allocation.agones.dev/v1");
        protobufOnly.Headers.TryAddWithoutValidation("Accept", "application/vnd.kubernetes.protobuf");
        using var refused = await http.SendAsync(protobufOnly);
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.StatusCode);
        Assert.Equal("NotAcceptable", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["reason"]);
    }

    [Fact]
    public async Task An_invalid_allocation_is_a_422_whose_causes_name_the_fields_and_nothing_is_queued()
    {
        using var http = fx.Http(fx.FrontProxy);
        var queued = await fx.QueuedAsync();

        var enumProblems = AggregatedApiFixture.Allocation();
        enumProblems["spec"]!["scheduling"] = "Tightest";
        enumProblems["spec"]!["selectors"]![1]!["gameServerState"] = "Shutdown";
        using var first = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", enumProblems.ToJsonString()));
        var status = await StatusOf(first, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal(["spec.scheduling", "spec.selectors[1].gameServerState"], Causes(status).Select(c => (string)c["field"]!).ToArray());
        Assert.All(Causes(status), c => Assert.Equal("FieldValueNotSupported", (string?)c["reason"]));

        // A problem the gRPC validator finds is named as the GameServerAllocation names the field.
        var negative = AggregatedApiFixture.Allocation();
        negative["spec"]!["selectors"]![0]!["counters"]!["rooms"]!["minAvailable"] = -1;
        using var second = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", negative.ToJsonString()));
        var cause = Assert.Single(Causes(await StatusOf(second, HttpStatusCode.UnprocessableEntity)));
        Assert.Equal("spec.selectors[0].counters[rooms].minAvailable", (string?)cause["field"]);
        Assert.Contains("must be >= 0", (string?)cause["message"]);

        using var undecodable = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", """{"spec":{"counters":{"rooms":{"amount":"lots"}}}}"""));
        Assert.Contains("spec.counters.rooms.amount", (string?)(await StatusOf(undecodable, HttpStatusCode.BadRequest))["message"]);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    public static TheoryData<string> Hostile => new()
    {
        "",
        "null",
        "[]",
        """{"spec":[]}""",
        """{"spec":{"selectors":[null,{"matchLabels":{"a":null}}],"scheduling":"Packed","counters":{"rooms":{"action":"Add","amount":1}}}}""",
        """{"spec":{"counters":{"rooms":null},"lists":{"players":{"addValues":[null]}}}}""",
        """{"spec":{"priorities":[null]}}""",
        """{"spec":{"selectors":[{"matchExpressions":[null]}]}}""",
        """{"spec":{"counters":{"rooms":{"action":"Increment","amount":1e40}}}}""",
        """{"spec":{"scheduling":5}}""",
        """{"metadata":{"name":"Not_A_Name"}}""",
        """{"kind":"GameServer","apiVersion":"agones.dev/v1"}""",
        """{"metadata":{"namespace":"another"}}""",
        """{"spec":{"selectors":[{"players":""" + string.Concat(Enumerable.Repeat("""{"a":""", 100)) + "1" + new string('}', 100) + "}]}}",
        """{"spec":{"selectors":[{"matchLabels":{"agones.dev/fleet":"gsa"}}]}} trailing""",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_body_is_a_400_or_422_Status_and_nothing_is_queued(string body)
    {
        using var http = fx.Http(fx.FrontProxy);
        var queued = await fx.QueuedAsync();
        using var answer = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", body));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{(int)answer.StatusCode}: {text}");
        Assert.Equal("Status", (string?)JsonNode.Parse(text)!["kind"]);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    [Fact]
    public async Task A_retry_with_the_same_name_or_uid_gets_the_same_game_server_once()
    {
        using var http = fx.Http(fx.FrontProxy);
        var before = (await RoomsAsync()).Values.Sum();
        foreach (var body in new[] { AggregatedApiFixture.Allocation(name: "match-retry-1"), AggregatedApiFixture.Allocation(uid: "6f1c2e0a-4b8d-4c3e-9a7f-1d2e3f4a5b6c") })
        {
            var servers = new List<string>();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                using var answer = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", body.ToJsonString()));
                Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
                servers.Add((string)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["status"]!["gameServerName"]!);
            }

            Assert.Equal(servers[0], servers[1]);
        }

        // Two objects, two sessions: each retry was answered from the first decision.
        Assert.Equal(before + 2, (await RoomsAsync()).Values.Sum());
    }

    [Fact]
    public async Task Nothing_matching_is_a_201_with_state_UnAllocated_as_Agones_answers()
    {
        using var client = fx.Client(fx.Mtls);
        var nobody = AggregatedApiFixture.Allocation();
        nobody["spec"]!["selectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { ["agones.dev/fleet"] = "no-such-fleet" } });
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(nobody, Group, "v1", "default", "gameserverallocations");
        Assert.Equal("UnAllocated", created.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("", created.GetProperty("status").GetProperty("gameServerName").GetString());
    }

    [Theory]
    [InlineData("a gRPC caller's certificate")]
    [InlineData("a front-proxy certificate with a name that is not allowed")]
    public async Task A_request_not_from_the_front_proxy_is_401_and_nothing_is_queued(string presented)
    {
        var certificate = presented.StartsWith("a gRPC", StringComparison.Ordinal)
            ? fx.Pki.Client("game-backend")
            : Infrastructure.TestCertificates.Client("impostor", fx.FrontProxyCa);
        var queued = await fx.QueuedAsync();
        using var http = fx.Http(certificate);
        using var answer = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Mtls, "default", AggregatedApiFixture.Allocation().ToJsonString(), user: "system:admin"));
        Assert.Equal("Unauthorized", (string?)(await StatusOf(answer, HttpStatusCode.Unauthorized))["reason"]);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    [Fact]
    public async Task Without_a_client_certificate_the_API_is_401_and_nothing_is_queued()
    {
        // The authorising replica asks no gRPC client certificate, so the handshake succeeds without one.
        var queued = await fx.QueuedAsync();
        using var http = fx.Http(null);
        using var answer = await http.SendAsync(AggregatedApiFixture.KubectlCreate(fx.Authorizing, "default", AggregatedApiFixture.Allocation().ToJsonString()));
        Assert.Equal("Unauthorized", (string?)(await StatusOf(answer, HttpStatusCode.Unauthorized))["reason"]);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    [Fact]
    public async Task Each_certificate_is_good_for_its_own_surface_only()
    {
        AllocationService.AllocationServiceClient Grpc(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
            new(GrpcChannel.ForAddress($"https://127.0.0.1:{fx.Mtls.Port}", new GrpcChannelOptions { HttpClient = fx.Http(certificate) }));

        // gRPC mTLS keeps working beside the aggregated API.
        var allocated = await Grpc(fx.Pki.Client("game-backend")).AllocateAsync(SessionRequests.HighDensity(AggregatedApiFixture.Fleet, "rooms"));
        Assert.StartsWith(AggregatedApiFixture.Fleet + "-", allocated.GameServerName);

        // The front proxy's certificate opens the TLS handshake, but not gRPC.
        var queued = await fx.QueuedAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Grpc(fx.FrontProxy).AllocateAsync(SessionRequests.HighDensity(AggregatedApiFixture.Fleet, "rooms")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    [Fact]
    public async Task A_SubjectAccessReview_decides_who_may_allocate_where()
    {
        using var allowed = fx.Client(fx.Authorizing);
        var created = await allowed.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(
            AggregatedApiFixture.Allocation(), Group, "v1", "default", "gameserverallocations");
        Assert.Equal("Allocated", created.GetProperty("status").GetProperty("state").GetString());
        var asked = fx.Kubernetes.AccessReviews.Last();
        Assert.Equal(AggregatedApiFixture.Matchmaker, (string?)asked["spec"]!["user"]);
        Assert.Equal("gameserverallocations", (string?)asked["spec"]!["resourceAttributes"]!["resource"]);

        var queued = await fx.QueuedAsync();
        using var stranger = fx.Client(fx.Authorizing, user: "system:serviceaccount:other:bot");
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() => stranger.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(
            AggregatedApiFixture.Allocation(), Group, "v1", "default", "gameserverallocations"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        var status = JsonNode.Parse(denied.Response.Content)!;
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Contains("cannot create resource \"gameserverallocations\" in API group \"allocation.agones.dev\" in the namespace \"default\"", (string?)status["message"]);
        Assert.Equal(queued, await fx.QueuedAsync());
    }

    private static async Task<JsonNode> StatusOf(HttpResponseMessage answer, HttpStatusCode expected)
    {
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == expected, $"{answer.StatusCode}: {text}");
        var status = JsonNode.Parse(text)!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal((int)expected, (int)status["code"]!);
        return status;
    }

    private static IEnumerable<JsonNode> Causes(JsonNode status) => status["details"]!["causes"]!.AsArray().Select(c => c!);
}
