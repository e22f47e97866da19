using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.Storage;
using Allocator.Service.Tools;
using Allocator.Tests.EndToEnd;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Telemetry;
using Grpc.Core;

namespace Allocator.Tests.Tools;

/// <summary>
/// The benchmark's Agones-style comparator (<c>baseline-replica</c>): real replica processes
/// behind the product's gRPC front, each deciding from its own cache and committing with a
/// version check, racing for the same few servers.
/// </summary>
public class BaselineReplicaTests
{
    private const int Servers = 6;
    private const int Capacity = 5;

    [Fact]
    public async Task Two_replicas_racing_for_a_tiny_fleet_conflict_count_it_and_never_overfill_a_server()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(BaselineReplicaTests));
        var seed = $"--Allocator:Inventory:DemoFleet=servers={Servers},nodes=2,capacity={Capacity},counter=rooms,fleet=tiny";
        var replicas = await Task.WhenAll(Enumerable.Range(1, 2).Select(i => ReplicaProcess.StartCommandAsync("baseline-replica", $"b{i}", redis.ConnectionString, prefix, seed)));
        await using var first = replicas[0];
        await using var second = replicas[1];
        var db = redis.Connection.GetDatabase();
        var request = SessionRequests.HighDensity("tiny", "rooms");
        var answers = new List<AllocationResponse>();
        var refused = new List<RpcException>();

        // Waves of calls sent together, three to each replica (fewer than the servers, so a
        // server one call holds in flight never leaves another call of its replica without a
        // match), until the fleet is full.
        for (var wave = 0; wave < 100 && answers.Count < Servers * Capacity; wave++)
        {
            var calls = Enumerable.Range(0, 6).Select(async i =>
            {
                try
                {
                    return ((AllocationResponse?)await replicas[i % 2].Allocation.AllocateAsync(request, deadline: DateTime.UtcNow.AddSeconds(30)), (RpcException?)null);
                }
                catch (RpcException e)
                {
                    return (null, e);
                }
            });
            foreach (var (answer, error) in await Task.WhenAll(calls))
            {
                if (answer is not null) answers.Add(answer);
                else refused.Add(error!);
            }
        }

        var servers = await FleetAssertions.ServersAsync(db, prefix);
        Assert.Equal(Servers, servers.Count);
        FleetAssertions.NoSessionLostOrDoubled(answers, servers);
        Assert.Equal(Servers * Capacity, answers.Count);
        Assert.All(refused, e => Assert.Contains(e.StatusCode, new[] { StatusCode.Aborted, StatusCode.ResourceExhausted }));
        Assert.All(refused.Where(e => e.StatusCode == StatusCode.Aborted), e => Assert.StartsWith("version conflict on default/tiny-", e.Status.Detail));
        var full = await Assert.ThrowsAsync<RpcException>(() => first.Allocation.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);

        // Both answered through the product's front, counted by status, and both raced; both
        // report ready, as the benchmark waits for before it loads them.
        using var http = new HttpClient();
        foreach (var replica in replicas)
        {
            await Until.TrueAsync(async () => (await http.GetAsync($"http://127.0.0.1:{replica.OpsPort}/readyz")).IsSuccessStatusCode, $"{replica.Id} ready", () => replica.Log);
        }

        var scrapes = await Task.WhenAll(replicas.Select(r => MetricsScrape.GetAsync(http, r.OpsPort)));
        Assert.Equal(answers.Count, scrapes.Sum(s => s.Value("allocator_allocations_total", ("status", "OK"))));
        Assert.Equal(refused.Count(e => e.StatusCode == StatusCode.Aborted), scrapes.Sum(s => s.Value("allocator_allocations_total", ("status", "Aborted"))));
        Assert.All(scrapes, s => Assert.True(s.Value("allocator_allocations_total", ("status", "OK")) > 0, "a replica allocated nothing"));
        var conflicts = scrapes.Sum(s => s.Value(AgonesStyleAllocator.ConflictsMetric));
        Assert.True(conflicts > 0, "no version conflict in a race of two replicas for six servers");
        Assert.Equal(conflicts, await ScrapedCounter.SumAsync(http, replicas.Select(r => $"http://127.0.0.1:{r.OpsPort}/metrics"), AgonesStyleAllocator.ConflictsMetric));

        // No leader, no lease, no request stream.
        var keys = new KeyLayout(prefix);
        Assert.False(await db.KeyExistsAsync(keys.Leader));
        Assert.False(await db.KeyExistsAsync(keys.Requests));
    }
}
