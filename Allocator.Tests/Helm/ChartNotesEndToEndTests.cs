using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace Allocator.Tests.Helm;

/// <summary>
/// What NOTES.txt tells a new user to do after the default install works against a real
/// replica: its register, allocate (gRPC and REST) and end-session calls, with the token the
/// chart generated.
/// </summary>
public class ChartNotesEndToEndTests : IAsyncLifetime
{
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"inventory-token-{Guid.NewGuid():N}");
    private readonly ReplicaGroup _replicas = new();
    private readonly HttpClient _http = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _replicas.DisposeAsync();
        File.Delete(_tokenFile);
    }

    [Fact]
    public async Task The_default_install_notes_register_allocate_and_end_a_session()
    {
        var chart = ChartRenderer.Render();
        var secret = chart.Single("Secret", chart.FullName + "-inventory-token");
        var token = Encoding.ASCII.GetString(Convert.FromBase64String(Manifest.Text(secret.Root, "data", "token")!));
        await File.WriteAllTextAsync(_tokenFile, token);
        var notes = NotesPayloads.Of(ChartRenderer.RenderNotes());
        var redis = await RedisServer.GetAsync();
        var replica = await _replicas.AddAsync("notes", redis, RedisServer.UniquePrefix(nameof(ChartNotesEndToEndTests)), $"--Allocator:Inventory:TokenFile={_tokenFile}");
        var bearer = new Metadata { { "authorization", "Bearer " + token } };

        var register = JsonParser.Default.Parse<RegisterRequest>(notes.Register);
        var refused = await Assert.ThrowsAsync<RpcException>(() => replica.Inventory.RegisterAsync(register).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        await replica.Inventory.RegisterAsync(register, bearer);

        // The REST call twice, then the gRPC one: every session goes to the one server, as it has room.
        for (var sessions = 1; sessions <= 2; sessions++)
        {
            using var answer = await _http.PostAsync($"http://127.0.0.1:{replica.OpsPort}/gameserverallocation", new StringContent(notes.Allocate, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("gs-1", body.GetProperty("gameServerName").GetString());
            Assert.Equal(sessions.ToString(), body.GetProperty("counters").GetProperty("rooms").GetProperty("count").ToString());
        }

        var viaGrpc = await replica.Allocation.AllocateAsync(JsonParser.Default.Parse<AllocationRequest>(notes.Allocate));
        Assert.Equal("gs-1", viaGrpc.GameServerName);
        Assert.Equal(3, viaGrpc.Counters["rooms"].Count);

        var ended = await replica.Inventory.EndSessionAsync(JsonParser.Default.Parse<EndSessionRequest>(notes.EndSession), bearer);
        Assert.Equal(2, ended.GameServer.Counters["rooms"].Count);
    }
}
