using System.Collections.Concurrent;
using System.Diagnostics;
using Allocation.V1;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Grpc.Core;

namespace Allocator.Tests.Agones;

/// <summary>
/// The write-back against a slow or throttling API server (replica process, real Redis, the fake API
/// server): a stalled patch is given up after its own timeout and holds no other game server's
/// callers, and a 429 waits as long as its Retry-After asks.
/// </summary>
public class WriteBackLivenessTests
{
    private static Dictionary<string, string> Labels(string slot) => new() { ["agones.dev/fleet"] = "demo", ["slot"] = slot };

    private static void Seed(FakeKubernetesApi fake, params string[] slots)
    {
        foreach (var slot in slots)
        {
            fake.Put(FakeKubernetesApi.GameServer(KubernetesFleet.Namespace, $"gs-{slot}", labels: Labels(slot),
                counters: new Dictionary<string, (long, long)> { ["rooms"] = (0, 4) }));
        }
    }

    /// <summary>A session on the one Ready server labelled <paramref name="slot"/>; its answer waits for Kubernetes.</summary>
    private static Task<AllocationResponse> AllocateAsync(ReplicaProcess replica, string slot, string requestId)
    {
        var request = new AllocationRequest { Namespace = KubernetesFleet.Namespace };
        request.GameServerSelectors.Add(new GameServerSelector { MatchLabels = { ["slot"] = slot } });
        request.Counters["rooms"] = new CounterAction { Action = "Increment", Amount = 1 };
        return replica.Allocation.AllocateAsync(request, new Metadata { { "x-request-id", requestId } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync;
    }

    private static bool IsPatchOf(string method, string path, string name) =>
        method == "PATCH" && path == $"/apis/agones.dev/v1/namespaces/{KubernetesFleet.Namespace}/gameservers/{name}";

    [Fact]
    public async Task A_stalled_patch_is_retried_after_its_timeout_and_holds_no_other_game_server_s_answer()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        Seed(fake, "w", "a", "b");
        // Patches of gs-w and gs-a stall (the connection black-holed) until the test lets them through.
        using var releaseW = new ManualResetEventSlim();
        using var releaseA = new ManualResetEventSlim();
        var wPatched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attemptsOnA = 0;
        fake.BeforeRequest = (method, path) =>
        {
            if (IsPatchOf(method, path, "gs-w"))
            {
                wPatched.TrySetResult();
                releaseW.Wait(TimeSpan.FromSeconds(60));
            }
            else if (IsPatchOf(method, path, "gs-a"))
            {
                Interlocked.Increment(ref attemptsOnA);
                releaseA.Wait(TimeSpan.FromSeconds(60));
            }
        };
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-stall");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("st1", redis.ConnectionString, prefix,
            KubernetesFleet.Settings(fake, "--Allocator:Kubernetes:RequestTimeout=00:00:01"));

        // gs-w's patch holds the first pass, so the allocations on gs-a and gs-b wait in the outbox and go into the next pass together.
        var callW = AllocateAsync(replica, "w", "stall-w");
        await wPatched.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var callA = AllocateAsync(replica, "a", "stall-a");
        var callB = AllocateAsync(replica, "b", "stall-b");
        await Until.TrueAsync(async () =>
        {
            var pending = string.Concat((await db.StreamRangeAsync(new KeyLayout(prefix).Outbox)).Select(e => (string?)e["changes"]));
            return pending.Contains("/gs-a\"", StringComparison.Ordinal) && pending.Contains("/gs-b\"", StringComparison.Ordinal);
        }, "the allocations on gs-a and gs-b committed behind gs-w's");
        releaseW.Set();
        Assert.Equal("gs-w", (await callW).GameServerName);

        // gs-b's answer goes out as its patch lands, while gs-a's patch is still stalled.
        var b = await callB.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(callA.IsCompleted);
        // Each stalled request is given up after its 1 s timeout and tried again (not after the client's 100 s).
        await Until.TrueAsync(() => Task.FromResult(Volatile.Read(ref attemptsOnA) >= 2), "the stalled patch of gs-a is tried again");
        releaseA.Set();
        var a = await callA.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(("gs-a", "gs-b"), (a.GameServerName, b.GameServerName));
        await KubernetesFleet.SettledAsync(fake, db, prefix);
        Assert.All(["gs-w", "gs-a", "gs-b"], name => Assert.Equal(1, KubernetesFleet.Rooms(fake.Get(KubernetesFleet.Namespace, name)!)));
    }

    [Fact]
    public async Task A_throttled_patch_is_tried_again_only_after_the_Retry_After_the_API_server_asked()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        Seed(fake, "a");
        var patches = new ConcurrentQueue<TimeSpan>();
        var clock = Stopwatch.StartNew();
        fake.BeforeRequest = (method, path) =>
        {
            if (IsPatchOf(method, path, "gs-a")) patches.Enqueue(clock.Elapsed);
        };
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-429");
        await using var replica = await ReplicaProcess.StartAsync("t1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));
        fake.ThrottleWrites(1, retryAfterSeconds: 2);

        var answer = await AllocateAsync(replica, "a", "throttled-1");

        Assert.Equal("gs-a", answer.GameServerName);
        Assert.Equal([429, 200], fake.Requests.Where(r => r.Method == "PATCH").Select(r => r.Status));
        var times = patches.ToArray();
        Assert.Equal(2, times.Length);
        // Asked to wait 2 s: a retry much sooner (the fixed 250 ms pause) would add to the API server's load.
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1.8), $"retried after {(times[1] - times[0]).TotalSeconds:F2} s");
    }
}
