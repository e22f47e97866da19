using Allocator.Service.Api;
using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.EndToEnd;

/// <summary>Error mapping and the stand-alone inventory API, against one replica and a front-only one.</summary>
public class SingleReplicaTests : IAsyncLifetime
{
    private ReplicaProcess _leader = null!;
    private ReplicaProcess _frontOnly = null!;
    private ReplicaProcess _noLeader = null!;
    private string _prefix = "";

    public async Task InitializeAsync()
    {
        var redis = await RedisServer.GetAsync();
        _prefix = RedisServer.UniquePrefix(nameof(SingleReplicaTests));
        var starting = new[]
        {
            ReplicaProcess.StartAsync("leader", redis.ConnectionString, _prefix),
            ReplicaProcess.StartAsync("front", redis.ConnectionString, _prefix, "--Allocator:Lead=false"),
            ReplicaProcess.StartAsync("lonely", redis.ConnectionString, _prefix + "-empty", "--Allocator:Lead=false",
                "--Allocator:MaxDeadline=00:00:01", "--Allocator:DefaultDeadline=00:00:01"),
        };
        var started = await Task.WhenAll(starting);
        (_leader, _frontOnly, _noLeader) = (started[0], started[1], started[2]);
    }

    public async Task DisposeAsync()
    {
        await _leader.DisposeAsync();
        await _frontOnly.DisposeAsync();
        await _noLeader.DisposeAsync();
    }

    private static Allocator.Inventory.V1.GameServer Server(string name, string fleet, long capacity = 4) => new()
    {
        Name = name,
        NodeName = "node-1",
        Address = "192.0.2.10",
        Labels = { ["agones.dev/fleet"] = fleet },
        Counters = { ["rooms"] = new Counter { Capacity = capacity } },
        Ports = { new Port { Name = "game", Port_ = 7777 } },
    };

    [Fact]
    public async Task Registered_servers_are_allocated_through_any_replica_and_sessions_end()
    {
        await _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = Server("inv-1", "inv") });
        var request = SessionRequests.HighDensity("inv", "rooms");
        request.Metadata = new MetaPatch { Labels = { ["match"] = "m-42" } };

        var first = await _frontOnly.Allocation.AllocateAsync(request);
        Assert.Equal("inv-1", first.GameServerName);
        Assert.Equal("192.0.2.10", first.Address);
        Assert.Equal("node-1", first.NodeName);
        Assert.Equal("local", first.Source);
        Assert.Equal(7777, Assert.Single(first.Ports).Port);
        Assert.Equal("m-42", first.Metadata.Labels["match"]);
        Assert.True(first.Metadata.Annotations.ContainsKey("agones.dev/last-allocated"));
        Assert.Equal(1, first.Counters["rooms"].Count);
        Assert.Equal(4, first.Counters["rooms"].Capacity);

        var ended = await _leader.Inventory.EndSessionAsync(new EndSessionRequest { Name = "inv-1", Counter = "rooms" });
        Assert.Equal(0, ended.GameServer.Counters["rooms"].Count);
        Assert.Equal("Allocated", ended.GameServer.State);

        Assert.True((await _leader.Inventory.RemoveAsync(new RemoveRequest { Name = "inv-1" })).Removed);
        var gone = await Assert.ThrowsAsync<RpcException>(() => _leader.Allocation.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, gone.StatusCode);
    }

    [Fact]
    public async Task Update_changes_the_description_but_never_erases_a_session()
    {
        await _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = Server("upd-1", "upd") });
        await _leader.Allocation.AllocateAsync(SessionRequests.HighDensity("upd", "rooms"));

        // The game server's report still says 0 sessions: it crossed the allocation in flight.
        var report = Server("upd-1", "upd", capacity: 6);
        report.Labels["map"] = "desert";
        var updated = await _frontOnly.Inventory.UpdateAsync(new UpdateRequest { GameServer = report });

        Assert.Equal(1, updated.GameServer.Counters["rooms"].Count);
        Assert.Equal(6, updated.GameServer.Counters["rooms"].Capacity);
        Assert.Equal("desert", updated.GameServer.Labels["map"]);
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_gets_the_same_answer()
    {
        await _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = Server("retry-1", "retry", capacity: 10) });
        var request = SessionRequests.HighDensity("retry", "rooms");
        var headers = new Metadata { { "x-request-id", "retry-abc" } };

        var first = await _leader.Allocation.AllocateAsync(request, headers);
        var again = await _frontOnly.Allocation.AllocateAsync(request, headers);
        Assert.Equal(first, again);
        Assert.Equal(1, again.Counters["rooms"].Count);
    }

    [Fact]
    public async Task Preferred_selectors_alone_fall_back_to_any_Ready_server_and_a_capacity_alone_needs_no_room()
    {
        var server = Server("legacy-1", "mine", capacity: 5);
        server.Namespace = "legacy";
        server.Counters["rooms"].Count = 3;
        await _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = server });

        var request = new AllocationRequest { Namespace = "legacy" };
#pragma warning disable CS0612 // the deprecated field, as old clients send it
        request.PreferredGameServerSelectors.Add(new GameServerSelector { MatchLabels = { ["agones.dev/fleet"] = "other" } });
#pragma warning restore CS0612
        request.Counters["rooms"] = new CounterAction { Capacity = 2 };

        var allocated = await _frontOnly.Allocation.AllocateAsync(request);
        Assert.Equal("legacy-1", allocated.GameServerName);
        Assert.Equal(2, allocated.Counters["rooms"].Count);
        Assert.Equal(2, allocated.Counters["rooms"].Capacity);
    }

    [Fact]
    public async Task Update_of_an_unknown_server_is_NotFound()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _leader.Inventory.UpdateAsync(new UpdateRequest { GameServer = Server("never", "x") }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task Invalid_requests_are_refused_naming_the_field_before_anything_is_queued()
    {
        var db = (await RedisServer.GetAsync()).Connection.GetDatabase();
        var keys = new Allocator.Service.Storage.KeyLayout(_prefix);
        var queuedBefore = await db.StreamLengthAsync(keys.Requests) + await db.StreamLengthAsync(keys.Inventory);
        var request = new AllocationRequest();
        request.Counters["rooms"] = new CounterAction { Action = "Explode", Amount = 1 };
        var e = await Assert.ThrowsAsync<RpcException>(() => _leader.Allocation.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("counters[rooms].action", e.Status.Detail);

        var unusedRequired = new AllocationRequest { GameServerSelectors = { new GameServerSelector() } };
#pragma warning disable CS0612 // the deprecated field is validated even when unused, as in Agones
        unusedRequired.RequiredGameServerSelector = new GameServerSelector { MatchLabels = { ["-bad.example/x"] = "y" } };
#pragma warning restore CS0612
        var required = await Assert.ThrowsAsync<RpcException>(() => _leader.Allocation.AllocateAsync(unusedRequired).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, required.StatusCode);
        Assert.StartsWith("requiredGameServerSelector.matchLabels[-bad.example/x]", required.Status.Detail);

        var badServer = Server("Bad_Name", "x");
        var inv = await Assert.ThrowsAsync<RpcException>(() => _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = badServer }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, inv.StatusCode);
        Assert.StartsWith("gameServer.name", inv.Status.Detail);

        var twice = Server("twice-1", "x");
        twice.Lists["players"] = new Allocator.Inventory.V1.List { Capacity = 5, Values = { "p1", "p1", "p2" } };
        var set = await Assert.ThrowsAsync<RpcException>(() => _leader.Inventory.RegisterAsync(new RegisterRequest { GameServer = twice }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, set.StatusCode);
        Assert.StartsWith("gameServer.lists[players].values", set.Status.Detail);

        var badId = await Assert.ThrowsAsync<RpcException>(() => _leader.Allocation.AllocateAsync(new AllocationRequest(), new Metadata { { "x-request-id", "has spaces" } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.StartsWith("x-request-id", badId.Status.Detail);

        Assert.Equal(queuedBefore, await db.StreamLengthAsync(keys.Requests) + await db.StreamLengthAsync(keys.Inventory));
    }

    [Fact]
    public async Task Without_Redis_a_call_is_Unavailable()
    {
        var nowhere = $"127.0.0.1:{RedisServer.FreePort()},connectTimeout=500,syncTimeout=500,asyncTimeout=500";
        await using var replica = await ReplicaProcess.StartAsync("no-redis", nowhere, _prefix + "-down", "--Allocator:Lead=false");
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(new AllocationRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20))).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("unreachable", e.Status.Detail);

        // Alive, but not ready: a probe moves traffic away until Redis is back.
        var health = new Grpc.Health.V1.Health.HealthClient(replica.Channel);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing,
            (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "" })).Status);
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "liveness" })).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("allocation.AllocationService")]
    [InlineData("liveness")]
    public async Task A_warmed_replica_with_Redis_reports_serving(string service)
    {
        var health = new Grpc.Health.V1.Health.HealthClient(_frontOnly.Channel);
        // Readiness pings Redis with a 500 ms limit, which a busy machine can miss once: serving
        // within a generous deadline (a replica that never reports it still fails).
        var until = DateTime.UtcNow.AddSeconds(60);
        var response = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = service });
        while (response.Status != Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving && DateTime.UtcNow < until)
        {
            await Task.Delay(100); // polling another process: no signal crosses the boundary
            response = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = service });
        }

        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Multi_cluster_is_Unimplemented()
    {
        var request = new AllocationRequest { MultiClusterSetting = new MultiClusterSetting { Enabled = true } };
        var e = await Assert.ThrowsAsync<RpcException>(() => _leader.Allocation.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task Without_a_leader_a_call_is_Unavailable_at_its_deadline()
    {
        // That replica caps every call at 1 s (MaxDeadline); the client would wait 10.
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            _noLeader.Allocation.AllocateAsync(new AllocationRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10))).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("no allocator leader", e.Status.Detail);
    }
}
