using Allocator.Service.Api;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Service.Hosting;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using StackExchange.Redis;

using Allocator.Tests.Telemetry;

namespace Allocator.Tests.Hosting;

/// <summary>What an SRE relies on: REST, metrics, health probes, trace propagation and reflection, against real replica processes.</summary>
public class OperabilityTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ReplicaGroup _replicas = null!;
    private string _prefix = "";
    private readonly HttpClient _http = new();

    private ReplicaProcess Leader => _replicas[0];
    private ReplicaProcess Front => _replicas[1];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.GetAsync();
        _prefix = RedisServer.UniquePrefix(nameof(OperabilityTests));
        _replicas = new ReplicaGroup();
        // The leader starts alone so it is the one that leads; the front never competes.
        await _replicas.AddAsync("ops-leader", _redis, _prefix, "--Allocator:HeartbeatInterval=00:00:00.200", "--Allocator:MemberTimeout=00:00:01");
        await _replicas.AddAsync("ops-front", _redis, _prefix, "--Allocator:Lead=false", "--Allocator:HeartbeatInterval=00:00:00.200", "--Allocator:MemberTimeout=00:00:01");
        foreach (var name in new[] { "ops-1", "ops-2" })
        {
            await Leader.Inventory.RegisterAsync(new RegisterRequest
            {
                GameServer = new Allocator.Inventory.V1.GameServer
                {
                    Name = name,
                    NodeName = "node-1",
                    Address = "192.0.2.20",
                    Labels = { ["agones.dev/fleet"] = "ops" },
                    Counters = { ["rooms"] = new Counter { Capacity = 3 } },
                },
            });
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _replicas.DisposeAsync();
    }

    [Fact]
    public async Task REST_allocates_with_Agones_JSON_and_maps_errors_to_HTTP_statuses()
    {
        // camelCase proto-JSON as Agones' REST clients send it; the unknown field is ignored.
        var body = """
            {"namespace":"default","gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"ops"}}],
             "counters":{"rooms":{"action":"Increment","amount":"1"}},"someFutureField":{"x":1}}
            """;
        using var ok = await _http.PostAsync($"http://127.0.0.1:{Front.OpsPort}/gameserverallocation", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var answer = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("ops-", answer.GetProperty("gameServerName").GetString());
        Assert.Equal("192.0.2.20", answer.GetProperty("address").GetString());
        Assert.Equal("1", answer.GetProperty("counters").GetProperty("rooms").GetProperty("count").ToString());

        using var bad = await _http.PostAsync($"http://127.0.0.1:{Front.OpsPort}/gameserverallocation",
            new StringContent("""{"namespace":"Not A Namespace"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("namespace", await bad.Content.ReadAsStringAsync());

        using var none = await _http.PostAsync($"http://127.0.0.1:{Front.OpsPort}/gameserverallocation",
            new StringContent("""{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"no-such-fleet"}}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, none.StatusCode); // RESOURCE_EXHAUSTED, as grpc-gateway maps it
    }

    [Fact]
    public async Task The_ops_port_serves_probes_and_metrics_but_not_the_inventory_API()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"http://127.0.0.1:{Front.OpsPort}/healthz")).StatusCode);
        // Readiness pings Redis with a 500 ms limit, which a busy machine can miss once: ready within the deadline.
        var ready = await EventuallyAsync(() => _http.GetAsync($"http://127.0.0.1:{Front.OpsPort}/readyz"), r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var inventory = await _http.PostAsync($"http://127.0.0.1:{Front.OpsPort}/allocator.inventory.v1.InventoryService/Register", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.NotFound, inventory.StatusCode);
        // The Kubernetes API is off unless KubernetesApi:Enabled.
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"http://127.0.0.1:{Front.OpsPort}/apis/allocation.agones.dev/v1")).StatusCode);
    }

    [Fact]
    public async Task Agones_allocator_probes_live_and_ready_answer_as_there()
    {
        var ops = $"http://127.0.0.1:{Front.OpsPort}";
        using var live = await _http.GetAsync($"{ops}/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("application/json", live.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{}\n", await live.Content.ReadAsStringAsync());

        var ready = await EventuallyAsync(() => _http.GetAsync($"{ops}/ready?full=1"), r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var checks = await ready.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal(new Dictionary<string, string> { ["live"] = "OK", ["ready"] = "OK" }, checks); // /ready runs the liveness checks too

        using var post = await _http.PostAsync($"{ops}/ready", new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_calls_by_status_and_the_leader_reports_its_fleet()
    {
        var before = await MetricsScrape.GetAsync(_http, Front.OpsPort);
        var request = SessionRequests.HighDensity("ops", "rooms");
        await Front.Allocation.AllocateAsync(request);
        await Front.Allocation.AllocateAsync(request);
        await Assert.ThrowsAsync<RpcException>(() => Front.Allocation.AllocateAsync(new AllocationRequest { Namespace = "Bad" }).ResponseAsync);

        var after = await MetricsScrape.GetAsync(_http, Front.OpsPort);
        Assert.Equal(2, after.Value("allocator_allocations_total", ("status", "OK")) - before.Value("allocator_allocations_total", ("status", "OK")));
        Assert.Equal(1, after.Value("allocator_allocations_total", ("status", "InvalidArgument")) - before.Value("allocator_allocations_total", ("status", "InvalidArgument")));
        Assert.Equal(3, after.Value("agones_gameserver_allocations_duration_seconds_count") - before.Value("agones_gameserver_allocations_duration_seconds_count"));
        Assert.Equal(0, after.Value("allocator_leader"));
        Assert.Equal(0, after.Value("allocator_calls_in_flight"));

        // The leader publishes its fleet once per heartbeat (200 ms here): wait for the sessions to show.
        var leader = await EventuallyAsync(async () => await MetricsScrape.GetAsync(_http, Leader.OpsPort),
            s => s.Value("agones_fleet_counters", ("name", "ops"), ("counter", "rooms"), ("type", "total_count")) >= 2);
        Assert.Equal(1, leader.Value("allocator_leader"));
        Assert.True(leader.Value("allocator_epoch") >= 1);
        Assert.Equal(6, leader.Value("agones_fleet_counters", ("name", "ops"), ("counter", "rooms"), ("type", "total_capacity")));
        Assert.Equal(2, leader.Value("agones_gameservers_count", ("fleet_name", "ops")));
        Assert.True(leader.Value("allocator_batch_size_count") >= 1);
        Assert.True(leader.Value("allocator_leader_changes_total") >= 1);
        Assert.Contains("allocator_queue_depth{", leader.Text);
    }

    [Fact]
    public async Task The_callers_trace_parent_rides_in_the_stream_entry()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";
        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        await Front.Allocation.AllocateAsync(SessionRequests.HighDensity("ops", "rooms"),
            new Metadata { { "traceparent", parent }, { "x-request-id", requestId } });

        var keys = new KeyLayout(_prefix);
        var entries = await _redis.Connection.GetDatabase().StreamRangeAsync(keys.Requests);
        var entry = Assert.Single(entries, e => e[EntryFields.Id] == requestId);
        var stored = (string)entry[EntryFields.TraceParent]!;
        // The same trace: the caller's parent itself, or the replica's span below it when tracing exports.
        Assert.StartsWith($"00-{traceId}-", stored);
    }

    [Fact]
    public async Task Reflection_lists_the_allocation_service()
    {
        var reflection = new ServerReflection.ServerReflectionClient(Front.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("allocation.AllocationService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task Readiness_turns_false_on_SIGTERM_while_the_ports_stay_open_for_the_drain_delay()
    {
        // A drain delay long enough that every step below fits in it on a busy machine (the replica is killed at the end).
        await using var replica = await ReplicaProcess.StartAsync("ops-leaving", _redis.ConnectionString, _prefix, "--Allocator:Lead=false",
            "--Allocator:DrainDelay=00:01:00", "--Allocator:ShutdownTimeout=00:02:00");
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(() => _http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/readyz"), r => r.StatusCode == HttpStatusCode.OK)).StatusCode);

        using (var term = Process.Start("kill", ["-TERM", replica.Pid.ToString()])) await term.WaitForExitAsync();
        var notReady = await EventuallyAsync(() => _http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/readyz"), r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/healthz")).StatusCode);
        // Agones' paths agree, and ?full=1 says why.
        using var ready = await _http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/ready?full=1");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("warming up or shutting down", (await ready.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["ready"]);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/live")).StatusCode);
        // Still serving while it drains: a call through it is answered by the leader.
        Assert.StartsWith("ops-", (await replica.Allocation.AllocateAsync(SessionRequests.HighDensity("ops", "rooms"))).GameServerName);
    }

    /// <summary>
    /// Polls until <paramref name="done"/> holds (there is no signal to wait on from outside the
    /// process); 60 s at most, then returns the last value for the caller's assertion to fail on.
    /// </summary>
    [Fact]
    public async Task Readiness_follows_whether_Redis_takes_the_heartbeat_without_a_Redis_call_per_probe()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        await using var replica = await ReplicaProcess.StartAsync("ops-outage", redis.ConnectionString, _prefix, "--Allocator:Lead=false");
        var readyz = $"http://127.0.0.1:{replica.OpsPort}/ready?full=1";
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(() => _http.GetAsync(readyz), r => r.StatusCode == HttpStatusCode.OK)).StatusCode);

        // Probes cost Redis nothing: the commands it processes meanwhile are the replica's own background work.
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var info = admin.GetServer(redis.ConnectionString);
        static long Processed(IGrouping<string, KeyValuePair<string, string>>[] stats) =>
            long.Parse(stats.SelectMany(g => g).First(p => p.Key == "total_commands_processed").Value);
        var before = Processed(await info.InfoAsync("stats"));
        for (var i = 0; i < 1000; i++) Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(readyz)).StatusCode);
        var commands = Processed(await info.InfoAsync("stats")) - before;
        Assert.True(commands < 500, $"1000 probes came with {commands} Redis commands");

        await redis.StopAsync();
        var notReady = await EventuallyAsync(() => _http.GetAsync(readyz), r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.StartsWith("Redis has not answered this replica's heartbeat", (await notReady.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["ready"]);

        await redis.StartAgainAsync();
        Assert.Equal(HttpStatusCode.OK, (await EventuallyAsync(() => _http.GetAsync(readyz), r => r.StatusCode == HttpStatusCode.OK)).StatusCode);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || deadline.Elapsed > TimeSpan.FromSeconds(60)) return value;
            await Task.Delay(50);
        }
    }
}
