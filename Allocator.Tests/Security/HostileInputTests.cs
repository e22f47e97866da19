using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Api;
using Allocator.Service.Inventory;
using Allocator.Service.Processing;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using StackExchange.Redis;
using ModelServer = Allocator.Service.Allocation.GameServer;

namespace Allocator.Tests.Security;

/// <summary>
/// Fuzzing the public surface: every hostile payload is either refused by validation or
/// decided safely; nothing throws past the validators, the decoder, the engine or the
/// inventory applier, and no counter ever exceeds its capacity. Then a sample goes over the
/// wire to a real replica: rejected requests leave Redis exactly as it was.
/// Cases: FUZZ_CASES (default 100,000 allocation + 50,000 inventory); scripts/fuzz.sh runs more.
/// </summary>
public class HostileInputTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), out var n) ? n : 100_000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 20261122;

    private static readonly AllocationRequest[] AllocationSeeds =
    [
        Parse<AllocationRequest>("""
            {"namespace":"default","gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"f"},"gameServerState":"ALLOCATED",
              "counters":{"rooms":{"minAvailable":"1"}},"lists":{"players":{"containsValue":"p1","minAvailable":"1"}}},
              {"matchLabels":{"agones.dev/fleet":"f"},"matchExpressions":[{"key":"mode","operator":"In","values":["a","b"]}]}],
             "scheduling":"Packed","priorities":[{"type":"Counter","key":"rooms","order":"Ascending"}],
             "counters":{"rooms":{"action":"Increment","amount":"1","capacity":"10"}},
             "lists":{"players":{"addValues":["p9"],"deleteValues":["p1"],"capacity":"5"}},
             "metadata":{"labels":{"match":"m-1"},"annotations":{"note":"x"}}}
            """),
        Parse<AllocationRequest>("""
            {"requiredGameServerSelector":{"matchLabels":{"agones.dev/fleet":"f"}},
             "preferredGameServerSelectors":[{"matchLabels":{"mode":"b"},"gameServerState":"ALLOCATED"}],
             "scheduling":"Distributed","metaPatch":{"labels":{"a":"b"}},"multiClusterSetting":{"enabled":false}}
            """),
        Parse<AllocationRequest>("""{"gameServerSelectors":[{"matchExpressions":[{"key":"mode","operator":"DoesNotExist"}],"counters":{"slots":{"maxCount":"3"}}}],"counters":{"slots":{"action":"Decrement","amount":"2"}}}"""),
    ];

    private static readonly InventoryChange[] InventorySeeds =
    [
        new() { Register = Parse<RegisterRequest>("""
            {"gameServer":{"namespace":"default","name":"gs-new","state":"Ready","nodeName":"n1","address":"192.0.2.1",
             "labels":{"agones.dev/fleet":"f"},"annotations":{"a":"b"},"counters":{"rooms":{"count":"1","capacity":"10"}},
             "lists":{"players":{"capacity":"4","values":["p1"]}},"ports":[{"name":"game","port":7777}],
             "addresses":[{"type":"InternalIP","address":"10.0.0.1"}]}}
            """) },
        new() { Update = Parse<UpdateRequest>("""{"gameServer":{"name":"gs-01","state":"Allocated","labels":{"agones.dev/fleet":"f"},"counters":{"rooms":{"capacity":"3"}}}}""") },
        new() { EndSession = Parse<EndSessionRequest>("""{"name":"gs-01","counter":"rooms","list":"players","value":"p1"}""") },
        new() { Remove = Parse<RemoveRequest>("""{"namespace":"default","name":"gs-02"}""") },
    ];

    private static T Parse<T>(string json) where T : IMessage<T>, new() => JsonParser.Default.Parse<T>(json);

    [Fact]
    public void Hostile_allocation_requests_are_refused_or_decided_safely()
    {
        var input = new HostileInput(Seed);
        var (accepted, refused, unparsable) = (0, 0, 0);
        Fleet fleet = null!;
        AllocationEngine engine = null!;
        for (var i = 0; i < Cases; i++)
        {
            if (i % 500 == 0) (fleet, engine) = NewFleet(input.Random.Next());
            var bytes = i % 20 == 0 ? input.RandomBytes() : input.Mutate(AllocationSeeds[i % AllocationSeeds.Length]);
            AllocationRequest request;
            try
            {
                request = AllocationRequest.Parser.ParseFrom(bytes);
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidOperationException)
            {
                // Refused by StrictMessageBinding with INVALID_ARGUMENT before our code runs.
                // (Google.Protobuf throws InvalidOperationException for some truncated wrappers.)
                unparsable++;
                continue;
            }

            if (AllocationRequestValidator.Validate(request) is not null || request.MultiClusterSetting?.Enabled == true)
            {
                refused++;
                continue;
            }

            // The leader's path: the stream carries proto-JSON, decoded and decided in memory.
            var spec = SpecDecoder.ToSpec(SpecDecoder.Parse(JsonFormatter.Default.Format(request)));
            var decision = engine.Allocate(spec, Now);
            if (decision.Server is { } server) AssertWithinCapacity(server, $"case {i} (FUZZ_SEED={Seed})");
            fleet.Accept();
            accepted++;
        }

        output.WriteLine($"allocation fuzz: {Cases} cases (FUZZ_SEED={Seed}): {accepted} decided, {refused} refused by validation, {unparsable} malformed");
        Assert.Equal(Cases, accepted + refused + unparsable);
        Assert.True(accepted > Cases / 50, $"only {accepted} of {Cases} cases reached the engine: the mutator is too destructive");
        Assert.True(refused > Cases / 10, $"only {refused} of {Cases} cases were refused (accepted {accepted}, unparsable {unparsable}): the mutator is too gentle; " + string.Join("; ", input.Fallbacks.OrderByDescending(f => f.Value).Take(8).Select(f => $"{f.Value} {f.Key}")));
    }

    [Fact]
    public void Hostile_inventory_changes_are_refused_or_applied_safely()
    {
        var input = new HostileInput(Seed + 1);
        var cases = Cases / 2;
        var applied = 0;
        Fleet fleet = null!;
        for (var i = 0; i < cases; i++)
        {
            if (i % 500 == 0) fleet = NewFleet(input.Random.Next()).Fleet;
            InventoryChange change;
            try
            {
                change = InventoryChange.Parser.ParseFrom(input.Mutate(InventorySeeds[i % InventorySeeds.Length]));
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidOperationException)
            {
                continue;
            }

            var problem = change.ChangeCase switch
            {
                InventoryChange.ChangeOneofCase.Register => InventoryValidator.Validate(change.Register.GameServer, "gameServer"),
                InventoryChange.ChangeOneofCase.Update => InventoryValidator.Validate(change.Update.GameServer, "gameServer"),
                InventoryChange.ChangeOneofCase.Remove => InventoryValidator.ValidateName(change.Remove.Namespace, change.Remove.Name),
                InventoryChange.ChangeOneofCase.EndSession => InventoryValidator.Validate(change.EndSession),
                _ => "no change",
            };
            if (problem is not null) continue;

            var outcome = InventoryApplier.Apply(fleet, change);
            Assert.NotEqual((int)StatusCode.Internal, outcome.Code);
            foreach (var server in fleet.Servers) AssertWithinCapacity(server, $"case {i} (FUZZ_SEED={Seed + 1})");
            fleet.Accept();
            applied++;
        }

        output.WriteLine($"inventory fuzz: {cases} cases (FUZZ_SEED={Seed + 1}): {applied} applied");
        Assert.True(applied > cases / 50, $"only {applied} of {cases} inventory cases were applied");
    }

    [Fact]
    public async Task Rejected_requests_over_the_wire_change_nothing_in_Redis()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(HostileInputTests));
        await using var replica = await ReplicaProcess.StartAsync("fuzz", redis.ConnectionString, prefix,
            "--Allocator:Inventory:DemoFleet=servers=20,nodes=2,capacity=4,counter=rooms,fleet=f");
        await replica.Allocation.AllocateAsync(SessionRequests.HighDensity("f", "rooms")); // the seed is committed
        var before = await SnapshotAsync(redis, prefix);

        var input = new HostileInput(Seed + 2);
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "allocation.AllocationService", "Allocate",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var sent = 0;
        for (var i = 0; sent < 400 && i < 100_000; i++)
        {
            var bytes = i % 4 == 0 ? input.RandomBytes() : input.Mutate(AllocationSeeds[i % AllocationSeeds.Length]);
            try
            {
                var request = AllocationRequest.Parser.ParseFrom(bytes);
                if (AllocationRequestValidator.Validate(request) is null) continue; // only what must be refused
            }
            catch (Exception malformed) when (malformed is InvalidProtocolBufferException or InvalidOperationException)
            {
            }

            sent++;
            var e = await Assert.ThrowsAsync<RpcException>(() => replica.Channel.CreateCallInvoker()
                .AsyncUnaryCall(raw, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), bytes).ResponseAsync);
            Assert.True(e.StatusCode == StatusCode.InvalidArgument, $"{e.Status} for {Convert.ToBase64String(bytes)}\n{replica.Log}");
        }

        Assert.Equal(400, sent);
        Assert.Equal(before, await SnapshotAsync(redis, prefix));
        Assert.False(replica.HasExited);
        Assert.DoesNotContain("Unhandled exception", replica.Log);
        Assert.DoesNotContain("Error when executing service method", replica.Log); // no error log per bad message
    }

    /// <summary>Every key of the fleet with its type and size, and the game server hash in full.</summary>
    private static async Task<string> SnapshotAsync(RedisServer redis, string prefix)
    {
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        var server = redis.Connection.GetServers()[0];
        var lines = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "{" + prefix + "}*"))
        {
            // Housekeeping that moves on its own: heartbeats, and the index shapes the leader publishes.
            if (key == keys.Members || key == keys.IndexShapes) continue;
            var type = await db.KeyTypeAsync(key);
            lines.Add($"{key} {type} {type switch { RedisType.Stream => await db.StreamLengthAsync(key), RedisType.Hash => await db.HashLengthAsync(key), _ => 0 }}");
        }

        lines.AddRange((await db.HashGetAllAsync(keys.GameServers)).Select(e => $"{e.Name}={e.Value}"));
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    private static (Fleet Fleet, AllocationEngine Engine) NewFleet(int seed)
    {
        var random = new Allocation.RandomFleet(seed);
        var fleet = new Fleet();
        for (var i = 0; i < 30; i++) fleet.Put(random.Server());
        fleet.Accept();
        return (fleet, new AllocationEngine(fleet, new Random(seed)));
    }

    private static void AssertWithinCapacity(ModelServer server, string context)
    {
        foreach (var (name, counter) in server.Counters)
        {
            Assert.True(counter.Count >= 0 && counter.Count <= Math.Max(counter.Capacity, 0),
                $"{context}: {server.Key} counter {name} at {counter.Count}/{counter.Capacity}");
        }

        foreach (var (name, list) in server.Lists)
        {
            Assert.True(list.Values.Count <= list.Capacity, $"{context}: {server.Key} list {name} holds {list.Values.Count}/{list.Capacity}");
        }
    }
}
