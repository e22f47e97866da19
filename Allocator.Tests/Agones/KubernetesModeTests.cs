using Allocator.Service.Api;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Allocation.V1;
using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using Allocator.Tests.EndToEnd;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Grpc.Core;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Allocator.Tests.Agones;

/// <summary>
/// Kubernetes mode end to end: replica processes, a real Redis, and the fake API server holding
/// Agones GameServers, which the replicas reach with the real KubernetesClient.
/// </summary>
public partial class KubernetesModeTests(ITestOutputHelper output)
{
    private static readonly AllocationRequest Session = SessionRequests.HighDensity("demo", "rooms");

    private static async Task<string> LeaderAsync(IDatabase db, string prefix) =>
        (string)(await db.HashGetAsync(new KeyLayout(prefix).LeaderInfo, "replica"))!;

    /// <summary>With the longest deadline a replica allows (30 s): a fail-over on a busy machine must not fail on time.</summary>
    private static Task<AllocationResponse> AllocateAsync(ReplicaProcess replica, string requestId) =>
        replica.Allocation.AllocateAsync(Session, new Metadata { { "x-request-id", requestId } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

    [Theory]
    [InlineData("kill -9")]
    [InlineData("SIGTERM")]
    public async Task Losing_the_leader_under_load_resumes_the_watch_without_a_relist_and_writes_every_allocation_back_once(string how)
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 40, capacity: 4);
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-failover");
        var db = redis.Connection.GetDatabase();
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "k", KubernetesFleet.Settings(fake));

        var answers = new ConcurrentBag<AllocationResponse> { await AllocateAsync(replicas[0], "first") };
        var leaderId = await LeaderAsync(db, prefix);
        var leader = replicas.All.Single(r => r.Id == leaderId);
        var others = replicas.All.Where(r => r != leader).ToArray();
        Assert.Equal(1, fake.ListCalls);

        var next = 0;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new ConcurrentBag<string>();
        // Per call: when it ended and how long it took (ms since the test began), to tell the
        // calls that lived through the loss from the load's own cold start.
        var latencies = new ConcurrentBag<(double Ended, double Ms)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lostAt = double.MaxValue;
        var calls = Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            // 40 servers x 4 rooms = 160 sessions; stop short of them so no call can be refused.
            while (answers.Count < 140)
            {
                var i = Interlocked.Increment(ref next);
                var started = clock.Elapsed.TotalMilliseconds;
                try
                {
                    answers.Add(await AllocateAsync(others[i % others.Length], $"call-{i}"));
                    latencies.Add((clock.Elapsed.TotalMilliseconds, clock.Elapsed.TotalMilliseconds - started));
                }
                catch (RpcException e)
                {
                    failures.Add($"call-{i}: {e.Status}");
                }

                if (answers.Count >= 50) killed.TrySetResult();
            }
        }));
        await killed.Task;
        lostAt = clock.Elapsed.TotalMilliseconds;
        if (how == "SIGTERM") await leader.TerminateAsync();
        else leader.Kill();
        await calls;

        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        var newLeaderId = await LeaderAsync(db, prefix);
        var newLeader = others.Single(r => r.Id == newLeaderId);

        var sorted = latencies.Select(l => l.Ms).Order().ToList();
        var acrossLoss = latencies.Where(l => l.Ended > lostAt).Max(l => l.Ms);
        output.WriteLine($"{how}: calls {answers.Count}, failed {failures.Count}, list calls {fake.ListCalls}, watch calls {fake.WatchCalls}, " +
            $"patches {fake.Requests.Count(r => r.Method == "PATCH")} (409: {fake.Conflicts}), p50 {sorted[sorted.Count / 2]:F1} ms, " +
            $"longest call ending after the loss {acrossLoss:F0} ms, longest of all {sorted[^1]:F0} ms");
        output.WriteLine(string.Join("\n", newLeader.Log.Split('\n').Where(l => l.Contains("first answers") || l.Contains("Kubernetes mode:"))));
        Assert.Empty(failures);
        // The new leader resumed the watch from the resourceVersion in Redis: the only list is the first leader's.
        Assert.Equal(1, fake.ListCalls);
        await newLeader.WaitForLogAsync("resuming from 1 stored resourceVersion");
        var kubernetes = KubernetesFleet.Servers(fake);
        // Exactly once: Kubernetes' counts add up to the answers, no session is named twice, nothing over capacity.
        FleetAssertions.NoSessionLostOrDoubled([.. answers], kubernetes);
        Assert.Empty(KubernetesFleet.Differences(kubernetes, hash));
        var used = answers.Select(a => a.GameServerName).ToHashSet();
        Assert.All(kubernetes, s => Assert.Equal(used.Contains(s.Name) ? GameServerStates.Allocated : GameServerStates.Ready, s.State));
        Assert.All(kubernetes.Where(s => used.Contains(s.Name)), s => Assert.True(s.Annotations.ContainsKey(AllocationActions.LastAllocatedAnnotation)));
    }

    [Fact]
    public async Task Game_servers_ending_sessions_during_allocation_never_lead_to_over_booking_or_a_lost_decrement()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 20, capacity: 3);
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-sdk");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("s1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));

        var answers = new ConcurrentBag<AllocationResponse>();
        var ended = new ConcurrentDictionary<string, int>();
        var refused = 0;
        var next = 0;
        using var stop = new CancellationTokenSource();
        // The game servers' side: sessions end at random through the SDK (an unconditional
        // status change, which the allocator only learns about from its watch).
        var sdk = Task.Run(async () =>
        {
            var random = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                var name = $"gs-{random.Next(20):D2}";
                fake.Mutate(KubernetesFleet.Namespace, name, gs =>
                {
                    var rooms = gs["status"]!["counters"]!["rooms"]!.AsObject();
                    if ((long)rooms["count"]! == 0) return;
                    rooms["count"] = (long)rooms["count"]! - 1;
                    ended.AddOrUpdate(name, 1, (_, n) => n + 1);
                });
                await Task.Delay(3);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            while (answers.Count < 150)
            {
                var i = Interlocked.Increment(ref next);
                try
                {
                    answers.Add(await AllocateAsync(replica, $"sdk-{i}"));
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    // Full for now: sessions are ending, try again.
                    Interlocked.Increment(ref refused);
                }
            }
        }));
        await stop.CancelAsync();
        await sdk;

        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        var kubernetes = KubernetesFleet.Servers(fake);
        // More sessions than the fleet holds at once: freed rooms were seen and used again.
        Assert.True(answers.Count > 60, $"{answers.Count} sessions");
        foreach (var server in kubernetes)
        {
            var given = answers.Count(a => a.GameServerName == server.Name);
            // A session given beyond capacity would have been clamped away, an ended one lost: both break this.
            Assert.Equal(given - ended.GetValueOrDefault(server.Name), server.Counters["rooms"].Count);
            Assert.InRange(server.Counters["rooms"].Count, 0, 3);
        }

        Assert.Empty(KubernetesFleet.Differences(kubernetes, hash));
    }

    [Fact]
    public async Task A_patch_Kubernetes_accepted_from_a_leader_that_died_before_recording_it_is_not_applied_again()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 2, capacity: 4);
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-once");
        var db = redis.Connection.GetDatabase();
        await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 2, "o", KubernetesFleet.Settings(fake));
        var first = await AllocateAsync(replicas[0], "once-1");
        var leaderId = await LeaderAsync(db, prefix);
        var leader = replicas.All.Single(r => r.Id == leaderId);
        var standby = replicas.All.Single(r => r != leader);

        // The leader's next patch reaches the API server, and the leader dies right there: the
        // patch is served, the leader never learns it landed, its outbox entry stays pending.
        var armed = 1;
        fake.BeforeRequest = (method, _) =>
        {
            if (method == "PATCH" && Interlocked.Exchange(ref armed, 0) == 1) leader.Kill();
        };
        var second = await AllocateAsync(standby, "once-2");

        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        var kubernetes = KubernetesFleet.Servers(fake);
        Assert.Equal(0, armed);
        // Served twice: once-1's patch and the dying leader's once-2 patch. The successor applied
        // nothing again (a patch of its from a stale watch copy may have met a 409, and then read).
        Assert.Equal(2, fake.Requests.Count(r => r.Method == "PATCH" && r.Status == 200));
        FleetAssertions.NoSessionLostOrDoubled([first, second], kubernetes);
        Assert.Empty(KubernetesFleet.Differences(kubernetes, hash));
        using var http = new HttpClient();
        Telemetry.MetricsScrape metrics = null!;
        await Until.TrueAsync(async () => (metrics = await Telemetry.MetricsScrape.GetAsync(http, standby.OpsPort)).Has("allocator_epoch"), "the successor reports as leader");
        // Agones' controller exports the game-server gauges from the same GameServers: the leader does not repeat them.
        Assert.False(metrics.Has("agones_gameservers_count"));
        // The successor found the patch already in Kubernetes (its outbox-id annotation) and did not repeat it.
        Assert.Equal(1, metrics.Value("allocator_writebacks_total", ("result", "already_applied")));
        Assert.Equal(0, metrics.Value("allocator_writebacks_total", ("result", "applied")));
    }

    [Theory]
    [InlineData("deleted", 2)]
    [InlineData("deleted", 1)]
    [InlineData("filled", 2)]
    public async Task A_server_deleted_or_filled_between_decision_and_write_back_is_never_handed_out(string change, int servers)
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: servers, capacity: 4);
        string? changed = null;
        var patched = new Regex($"^/apis/agones.dev/v1/namespaces/{KubernetesFleet.Namespace}/gameservers/([^/]+)$");
        // The first time the write-back patches a game server, it is deleted (a fleet scale-down),
        // or its game server fills its own rooms (players joining directly), before the patch is served.
        fake.BeforeRequest = (method, path) =>
        {
            if (method != "PATCH" || patched.Match(path) is not { Success: true } m || Interlocked.CompareExchange(ref changed, m.Groups[1].Value, null) is not null) return;
            if (change == "deleted") fake.Delete(KubernetesFleet.Namespace, changed);
            else fake.Mutate(KubernetesFleet.Namespace, changed, gs => gs["status"]!["counters"]!["rooms"]!["count"] = 4);
        };
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-" + change);
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("d1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));

        if (servers == 2)
        {
            var answer = await AllocateAsync(replica, "changed-1");
            Assert.NotNull(changed);
            Assert.NotEqual(changed, answer.GameServerName);
            var other = fake.Get(KubernetesFleet.Namespace, answer.GameServerName)!;
            Assert.Equal("Allocated", (string?)other["status"]!["state"]);
            Assert.Equal(1, KubernetesFleet.Rooms(other));
        }
        else
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => AllocateAsync(replica, "changed-1"));
            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.NotNull(changed);
        }

        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        if (change == "deleted")
        {
            Assert.Null(fake.Get(KubernetesFleet.Namespace, changed!));
            Assert.DoesNotContain(hash, s => s.Name == changed);
        }
        else
        {
            // Nothing of ours was written to it: the rooms are the game server's own.
            var filled = fake.Get(KubernetesFleet.Namespace, changed!)!;
            Assert.Equal(("Ready", 4L), ((string?)filled["status"]!["state"], KubernetesFleet.Rooms(filled)));
        }

        await replica.WaitForLogAsync($"{KubernetesFleet.Namespace}/{changed} is gone, no longer allocatable or out of room");
    }

    [Fact]
    public async Task A_write_back_Kubernetes_refuses_gives_the_caller_its_reason_and_leaves_the_server_as_Kubernetes_has_it()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        var big = new Dictionary<string, string> { ["example.com/big"] = new string('x', 220 * 1024) };
        fake.Put(FakeKubernetesApi.GameServer(KubernetesFleet.Namespace, "gs-00", labels: new Dictionary<string, string> { ["agones.dev/fleet"] = "demo" },
            counters: new Dictionary<string, (long, long)> { ["rooms"] = (0, 4) }, annotations: big));
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-refused");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("r1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));
        // Within the allocator's own limit (64 KiB per request), over Kubernetes' 256 KiB per object with what the server has.
        var request = Session.Clone();
        request.Metadata = new MetaPatch();
        for (var i = 0; i < 15; i++) request.Metadata.Annotations[$"example.com/note-{i}"] = new string('y', 4000);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(request, new Metadata { { "x-request-id", "refused-1" } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("Kubernetes refused the allocation on game server default/gs-00", error.Status.Detail);
        Assert.Contains("Too long", error.Status.Detail);
        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        var stored = Assert.Single(hash);
        Assert.Equal((GameServerStates.Ready, 0L), (stored.State, stored.Counters["rooms"].Count));
        Assert.Null(stored.Pending);
        // The stored answer is the refusal too: a retry with the same id gets it.
        var again = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(request, new Metadata { { "x-request-id", "refused-1" } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task An_allocation_Kubernetes_confirms_after_the_caller_s_deadline_is_not_lost_a_retry_gets_it()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 1, capacity: 4);
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-late");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("l1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));
        // A call that matches nothing, answered by the leader: its term runs and it has listed, so
        // the timed call below is decided well within its deadline even on a busy machine. (An
        // allocation would leave gs-00 Allocated, and the next answer would not wait for Kubernetes.)
        var none = await Assert.ThrowsAsync<RpcException>(() => replica.Allocation.AllocateAsync(SessionRequests.HighDensity("no-such-fleet", "rooms"),
            new Metadata { { "x-request-id", "warm-1" } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, none.StatusCode);

        // Kubernetes answers the next write-back only after the caller has given up (a signal, not a sleep).
        using var callerGaveUp = new ManualResetEventSlim();
        var slow = 1;
        fake.BeforeRequest = (method, _) =>
        {
            if (method == "PATCH" && Interlocked.Exchange(ref slow, 0) == 1) callerGaveUp.Wait(TimeSpan.FromSeconds(60));
        };
        var late = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(Session, new Metadata { { "x-request-id", "late-1" } }, DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
        callerGaveUp.Set();
        await KubernetesFleet.SettledAsync(fake, db, prefix);
        var retry = await AllocateAsync(replica, "late-1");

        Assert.Equal(0, slow); // the write-back of late-1 was the one held back
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);
        // The front's answer says so; on a starved machine the client's own deadline may fire first (no detail).
        if (late.Status.Detail.Length > 0) Assert.Contains("it may still be allocated", late.Status.Detail);
        // The allocation landed once, and the retry is told so instead of being allocated again.
        Assert.Equal(("gs-00", 1L), (retry.GameServerName, retry.Counters["rooms"].Count));
        Assert.Equal(1, KubernetesFleet.Rooms(fake.Get(KubernetesFleet.Namespace, "gs-00")!));
        Assert.False(await db.KeyExistsAsync(new Allocator.Service.Storage.KeyLayout(prefix).Held("late-1")));
    }
}
