using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.Api;

/// <summary>What a caller is told when a request is malformed or too large, over REST and gRPC, against a real replica.</summary>
public class ApiErrorTests(ApiErrorTests.Replica replica) : IClassFixture<ApiErrorTests.Replica>
{
    public sealed class Replica : IAsyncLifetime
    {
        public RedisServer Redis { get; private set; } = null!;
        public ReplicaProcess Process { get; private set; } = null!;
        public KeyLayout Keys { get; private set; } = null!;
        public HttpClient Http { get; } = new();
        public string Rest => $"http://127.0.0.1:{Process.OpsPort}{RestBodyCheck.Path}";

        public async Task InitializeAsync()
        {
            Redis = await RedisServer.GetAsync();
            var prefix = RedisServer.UniquePrefix(nameof(ApiErrorTests));
            Keys = new KeyLayout(prefix);
            Process = await ReplicaProcess.StartAsync("api-errors", Redis.ConnectionString, prefix,
                "--Allocator:Inventory:DemoFleet=servers=6,nodes=2,capacity=4,counter=rooms,fleet=rest");
            await Process.Allocation.AllocateAsync(SessionRequests.HighDensity("rest", "rooms")); // the seed is committed
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }

        public Task<long> QueuedAsync() => Redis.Connection.GetDatabase().StreamLengthAsync(Keys.Requests);
    }

    [Theory]
    [InlineData("""{"scheduling":"Fast"}""", """scheduling: expected one of Packed, Distributed, got "Fast" """)]
    [InlineData("""{"gameServerSelectors":[{"counters":{"rooms":{"minAvailable":true}}}]}""", "gameServerSelectors[0].counters[rooms].minAvailable: expected a 64-bit integer, got true")]
    [InlineData("""{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"rest"}""", "gameServerSelectors[0]: malformed JSON at line 1, column 67: ")]
    public async Task A_REST_body_that_does_not_fit_the_request_is_400_naming_the_field(string body, string expected)
    {
        var queued = await replica.QueuedAsync();
        using var answer = await replica.Http.PostAsync(replica.Rest, Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var error = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)StatusCode.InvalidArgument, error.GetProperty("code").GetInt32());
        Assert.StartsWith(expected.TrimEnd(), error.GetProperty("message").GetString());
        Assert.Equal(queued, await replica.QueuedAsync());
    }

    [Theory]
    [InlineData(false)] // Content-Length says so at once
    [InlineData(true)]  // chunked: found while reading
    public async Task A_REST_body_over_the_limit_is_413(bool chunked)
    {
        var queued = await replica.QueuedAsync();
        var body = """{"metadata":{"annotations":{"a":" """.TrimEnd() + new string('x', Limits.MaxMessageBytes) + "\"}}}";
        using var request = new HttpRequestMessage(HttpMethod.Post, replica.Rest) { Content = Json(body) };
        request.Headers.TransferEncodingChunked = chunked;
        // As a careful client sends a large body: the server answers 413 before the body goes
        // out, instead of closing the connection under a client still writing it.
        request.Headers.ExpectContinue = true;
        using var answer = await replica.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        var error = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)StatusCode.InvalidArgument, error.GetProperty("code").GetInt32());
        Assert.Equal($"request body: over the limit of {Limits.MaxMessageBytes:N0} bytes", error.GetProperty("message").GetString());
        Assert.Equal(queued, await replica.QueuedAsync());
    }

    [Fact]
    public async Task A_REST_answer_writes_64_bit_integers_as_strings_and_every_field_as_Agones_gateway_does()
    {
        using var answer = await replica.Http.PostAsync(replica.Rest, Json("""
            {"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"rest"}}],"counters":{"rooms":{"action":"Increment","amount":"1"}}}
            """));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var allocated = await answer.Content.ReadFromJsonAsync<JsonElement>();

        var rooms = allocated.GetProperty("counters").GetProperty("rooms");
        Assert.Equal(JsonValueKind.String, rooms.GetProperty("count").ValueKind);
        Assert.Equal("4", rooms.GetProperty("capacity").GetString());
        Assert.Equal(JsonValueKind.Number, allocated.GetProperty("ports")[0].GetProperty("port").ValueKind); // int32 stays a number
        Assert.Equal(JsonValueKind.Array, allocated.GetProperty("addresses").ValueKind); // empty, but written
        Assert.Equal(JsonValueKind.Object, allocated.GetProperty("lists").ValueKind);
    }

    [Fact]
    public async Task An_empty_REST_body_is_the_empty_request()
    {
        using var answer = await replica.Http.PostAsync(replica.Rest, Json(""));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode); // any Ready game server of namespace "default"
        Assert.StartsWith("rest-", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("gameServerName").GetString());
    }

    [Fact]
    public async Task A_gRPC_message_over_the_limit_is_INVALID_ARGUMENT_saying_so_not_RESOURCE_EXHAUSTED()
    {
        var queued = await replica.QueuedAsync();
        var tooLarge = new AllocationRequest { Metadata = new MetaPatch { Annotations = { ["a"] = new string('x', Limits.MaxMessageBytes) } } };
        var e = await Assert.ThrowsAsync<RpcException>(() => replica.Process.Allocation.AllocateAsync(tooLarge).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal($"request: the message is {tooLarge.CalculateSize():N0} bytes, over the limit of {Limits.MaxMessageBytes:N0}", e.Status.Detail);

        // Just under the limit the message is read, and the validator names what is too large.
        var large = new AllocationRequest { Metadata = new MetaPatch { Annotations = { ["a"] = new string('x', Limits.MaxMessageBytes - 100) } } };
        var refused = await Assert.ThrowsAsync<RpcException>(() => replica.Process.Allocation.AllocateAsync(large).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("metadata.annotations", refused.Status.Detail);
        Assert.Equal(queued, await replica.QueuedAsync());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
