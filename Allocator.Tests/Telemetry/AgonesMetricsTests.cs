using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using GameServer = Allocator.Inventory.V1.GameServer;

namespace Allocator.Tests.Telemetry;

/// <summary>
/// Agones' Grafana dashboards and alerts read our /metrics: the allocation histogram and the
/// game-server gauges under Agones' names and labels, scraped from a real replica.
/// </summary>
public class AgonesMetricsTests : IAsyncLifetime
{
    private const string Duration = "agones_gameserver_allocations_duration_seconds_count";
    private RedisServer _redis = null!;
    private readonly ReplicaGroup _replicas = new();
    private readonly HttpClient _http = new();

    private ReplicaProcess Replica => _replicas[0];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.GetAsync();
        // One replica that leads and fronts; it reports its fleet a heartbeat after it leads, then every 5 s.
        await _replicas.AddAsync("agones-metrics", _redis, RedisServer.UniquePrefix(nameof(AgonesMetricsTests)), "--Allocator:HeartbeatInterval=00:00:00.200");
        await RegisterAsync("blue-1", "default", "blue", withList: true);
        await RegisterAsync("blue-2", "default", "blue", withList: false);
        await RegisterAsync("loose-1", "arena", fleet: null, withList: false);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _replicas.DisposeAsync();
    }

    [Fact]
    public async Task Allocation_durations_carry_Agones_status_fleet_and_scheduling_labels()
    {
        await Replica.Allocation.AllocateAsync(Session("blue"));
        await Replica.Allocation.AllocateAsync(Session("blue"));
        await Assert.ThrowsAsync<RpcException>(() => Replica.Allocation.AllocateAsync(Session("no-such-fleet", AllocationRequest.Types.SchedulingStrategy.Distributed)).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => Replica.Allocation.AllocateAsync(new AllocationRequest { Namespace = "Not A Namespace" }).ResponseAsync);
        var multiCluster = Session("blue");
        multiCluster.MultiClusterSetting = new MultiClusterSetting { Enabled = true };
        await Assert.ThrowsAsync<RpcException>(() => Replica.Allocation.AllocateAsync(multiCluster).ResponseAsync);

        var scrape = await MetricsScrape.GetAsync(_http, Replica.OpsPort);
        Assert.Equal(2, scrape.Value(Duration, ("status", "Allocated"), ("fleet_name", "blue"), ("scheduling_strategy", "Packed"), ("is_multicluster", "false"), ("cluster_name", "none")));
        Assert.Equal(1, scrape.Value(Duration, ("status", "UnAllocated"), ("fleet_name", "none"), ("scheduling_strategy", "Distributed")));
        Assert.Equal(1, scrape.Value(Duration, ("status", "error"), ("is_multicluster", "false")));
        Assert.Equal(1, scrape.Value(Duration, ("status", "error"), ("is_multicluster", "true")));
        Assert.Equal(5, scrape.Value(Duration));
        // Every bucket boundary of Agones' histogram exists, so an alert on one of them finds it.
        foreach (var le in new[] { "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1", "2", "3" })
            Assert.True(scrape.Has("agones_gameserver_allocations_duration_seconds_bucket", ("le", le), ("status", "Allocated")), $"no bucket le={le}");

        // The gRPC status, which Agones' "error" lumps together, stays under our own name.
        Assert.Equal(2, scrape.Value("allocator_allocations_total", ("status", "OK")));
        Assert.Equal(1, scrape.Value("allocator_allocations_total", ("status", "InvalidArgument")));
        Assert.Equal(1, scrape.Value("allocator_allocations_total", ("status", "Unimplemented")));
        Assert.False(scrape.Has("allocator_allocation_duration_seconds_count"));
    }

    [Fact]
    public async Task The_leader_reports_game_servers_fleet_counters_and_lists_as_Agones_controller_does()
    {
        var session = Session("blue");
        session.Lists["players"] = new ListAction { AddValues = { "p1" } };
        var allocated = await Replica.Allocation.AllocateAsync(session);
        Assert.Equal("blue-1", allocated.GameServerName);

        MetricsScrape scrape = null!;
        await Until.TrueAsync(async () =>
        {
            scrape = await MetricsScrape.GetAsync(_http, Replica.OpsPort);
            return scrape.Value("agones_gameservers_count", ("type", "Allocated"), ("fleet_name", "blue")) == 1;
        }, "the leader reports the allocated server", () => scrape?.Text ?? "");

        Assert.Equal(1, scrape.Value("agones_gameservers_count", ("type", "Ready"), ("fleet_name", "blue"), ("namespace", "default")));
        // A server without a fleet is counted under fleet "none"; an emptied state reads 0, not no data.
        Assert.Equal(1, scrape.Value("agones_gameservers_count", ("type", "Ready"), ("fleet_name", "none"), ("namespace", "arena")));
        Assert.True(scrape.Has("agones_gameservers_count", ("type", "Allocated"), ("fleet_name", "none"), ("namespace", "arena")));
        Assert.Equal(0, scrape.Value("agones_gameservers_count", ("type", "Allocated"), ("fleet_name", "none")));

        (string Label, string Value)[] rooms = [("name", "blue"), ("namespace", "default"), ("counter", "rooms")];
        Assert.Equal(1, scrape.Value("agones_fleet_counters", [.. rooms, ("type", "allocated_count")]));
        Assert.Equal(2, scrape.Value("agones_fleet_counters", [.. rooms, ("type", "allocated_capacity")]));
        Assert.Equal(1, scrape.Value("agones_fleet_counters", [.. rooms, ("type", "total_count")]));
        Assert.Equal(4, scrape.Value("agones_fleet_counters", [.. rooms, ("type", "total_capacity")]));
        (string Label, string Value)[] players = [("name", "blue"), ("namespace", "default"), ("list", "players")];
        Assert.Equal(1, scrape.Value("agones_fleet_lists", [.. players, ("type", "allocated_count")]));
        Assert.Equal(4, scrape.Value("agones_fleet_lists", [.. players, ("type", "total_capacity")]));
        // Agones reports counters per Fleet: servers without one have no such series.
        Assert.False(scrape.Has("agones_fleet_counters", ("name", "")));
        Assert.False(scrape.Has("allocator_game_servers"));
        Assert.False(scrape.Has("allocator_sessions_used"));
    }

    private static AllocationRequest Session(string fleet, AllocationRequest.Types.SchedulingStrategy scheduling = AllocationRequest.Types.SchedulingStrategy.Packed) => new()
    {
        Scheduling = scheduling,
        GameServerSelectors = { new GameServerSelector { MatchLabels = { ["agones.dev/fleet"] = fleet } } },
        Counters = { ["rooms"] = new CounterAction { Action = "Increment", Amount = 1 } },
    };

    private async Task RegisterAsync(string name, string ns, string? fleet, bool withList)
    {
        var server = new GameServer
        {
            Name = name,
            Namespace = ns,
            NodeName = "node-1",
            Address = "192.0.2.30",
            Counters = { ["rooms"] = new Counter { Capacity = 2 } },
        };
        if (fleet is not null) server.Labels["agones.dev/fleet"] = fleet;
        if (withList) server.Lists["players"] = new Allocator.Inventory.V1.List { Capacity = 4 };
        await Replica.Inventory.RegisterAsync(new RegisterRequest { GameServer = server });
    }
}
