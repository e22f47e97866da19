using Allocator.Service.Api;
using System.Collections.Concurrent;
using Allocation.V1;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Allocator.Tests.EndToEnd;

/// <summary>Graceful hand-over and version-aware leadership, with replica processes.</summary>
public class HandOverTests(ITestOutputHelper output)
{
    private const string Fleet = "--Allocator:Inventory:DemoFleet=servers=3000,nodes=30,capacity=10,counter=rooms,fleet=demo";

    private static async Task<(long Epoch, string Replica)> LeaderAsync(IDatabase db, KeyLayout keys)
    {
        var info = await db.HashGetAsync(keys.LeaderInfo, ["epoch", "replica"]);
        return ((long)info[0], (string)info[1]!);
    }

    /// <summary>Calls through the given replicas until stopped; every call must succeed.</summary>
    private static async Task<List<AllocationResponse>> CallUntilAsync(Func<ReplicaProcess[]> targets, Task stop)
    {
        var answers = new ConcurrentBag<AllocationResponse>();
        var request = SessionRequests.HighDensity("demo", "rooms");
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            while (!stop.IsCompleted)
            {
                var replicas = targets();
                var i = Interlocked.Increment(ref next);
                answers.Add(await replicas[i % replicas.Length].Allocation.AllocateAsync(request,
                    new Metadata { { "x-request-id", $"h-{i}" } }, DateTime.UtcNow.AddSeconds(30)));
            }
        }));
        return [.. answers];
    }

    [Fact]
    public async Task SIGTERM_to_the_leader_hands_over_at_once_and_no_call_fails()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(HandOverTests));
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        // A long lease: a leader that did not release it would hold the next one off for at least
        // half of it (RedLock.net extends it every half TTL), far beyond what a busy machine adds.
        var leaseTtl = TimeSpan.FromSeconds(30);
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "h", Fleet, $"--Allocator:LeaseTtl={leaseTtl:c}");
        var first = await replicas[0].Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddSeconds(30));
        var (epoch, leaderId) = await LeaderAsync(db, keys);
        var leader = replicas.All.Single(r => r.Id == leaderId);
        var others = replicas.All.Where(r => r != leader).ToArray();

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = CallUntilAsync(() => others, stop.Task);
        var terminatedAt = DateTimeOffset.UtcNow;
        await leader.TerminateAsync();
        // The old leader has exited: this answer comes from the next leader, so its term has begun
        // (a busy machine may not have started it while the old one drained).
        var last = await others[0].Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddSeconds(30));
        var (newEpoch, newLeader) = await LeaderAsync(db, keys);
        var since = DateTimeOffset.FromUnixTimeMilliseconds((long)await db.HashGetAsync(keys.LeaderInfo, "since"));
        stop.SetResult();
        var answers = await calls;

        output.WriteLine($"next leader began {(since - terminatedAt).TotalMilliseconds:F0} ms after SIGTERM (lease TTL {leaseTtl.TotalSeconds} s)");
        Assert.Equal(epoch + 1, newEpoch);
        Assert.NotEqual(leaderId, newLeader);
        // Released: the next leader did not wait out the lease (that would take half the TTL or more).
        Assert.True(since - terminatedAt < leaseTtl / 3, $"next leader began {(since - terminatedAt).TotalMilliseconds} ms after SIGTERM");
        Assert.NotEmpty(answers);
        FleetAssertions.NoSessionLostOrDoubled([.. answers, first, last], await FleetAssertions.ServersAsync(db, prefix));
    }

    [Fact]
    public async Task In_a_rollout_leadership_moves_once_to_the_newest_version()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(In_a_rollout_leadership_moves_once_to_the_newest_version));
        var keys = new KeyLayout(prefix);
        var db = redis.Connection.GetDatabase();
        // Heartbeats every 200 ms, but a member counts as gone only after 10 s: on a busy machine a
        // heartbeat can be a second late, and an old candidate that missed the new version then
        // would take the lease itself (old -> old -> new).
        string[] Version(string v) => [Fleet, $"--Allocator:Version={v}", "--Allocator:LeaseRetry=00:00:00.200", "--Allocator:HeartbeatInterval=00:00:00.200", "--Allocator:MemberTimeout=00:00:10"];

        await using var group = await ReplicaGroup.StartAsync(redis, prefix, 2, "old-", Version("1.0.0"));
        var old = group.All.ToArray();
        var fresh = new List<ReplicaProcess>();
        await old[0].Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddSeconds(30));
        var (startEpoch, _) = await LeaderAsync(db, keys);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = old;
        var calls = CallUntilAsync(() => Volatile.Read(ref current), stop.Task);

        // Replace each old replica by a new one, one at a time (maxSurge 1, maxUnavailable 0).
        for (var i = 0; i < old.Length; i++)
        {
            var started = await group.AddAsync($"new-{i + 1}", redis, prefix, Version("1.1.0"));
            fresh.Add(started);
            Volatile.Write(ref current, [.. fresh, .. old.Skip(i + 1)]);
            await old[i].TerminateAsync();
        }

        await fresh[0].Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms"), deadline: DateTime.UtcNow.AddSeconds(30));
        stop.SetResult();
        var answers = await calls;

        var (endEpoch, leader) = await LeaderAsync(db, keys);
        Assert.StartsWith("new-", leader);
        Assert.Equal(startEpoch + 1, endEpoch); // one move, old -> new, not old -> old -> new
        Assert.NotEmpty(answers);
    }
}
