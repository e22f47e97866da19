using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;

namespace Allocator.Tests.Agones;

// The watch after compaction, and the leader's pod: the rest of the Kubernetes-mode scenarios.
public partial class KubernetesModeTests
{
    [Fact]
    public async Task When_the_watch_history_is_compacted_the_leader_relists_once_and_drops_what_was_deleted_meanwhile()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 3, capacity: 4);
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-gone");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("g1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));
        var answer = await AllocateAsync(replica, "gone-1");
        await KubernetesFleet.SettledAsync(fake, db, prefix);
        var unallocated = fake.GameServers.Select(o => (string)o["metadata"]!["name"]!).First(n => n != answer.GameServerName);

        // The watch drops; while it is away a server is deleted and the history compacted:
        // resuming gets 410 Gone, and only a relist can tell the server is gone. "Away" is made
        // sure of: the leader's next GameServer list or watch waits until both are done (its
        // reconnect would otherwise race them on a busy machine, and see the deletion itself).
        using var away = new ManualResetEventSlim();
        var collection = $"/apis/agones.dev/v1/namespaces/{KubernetesFleet.Namespace}/gameservers";
        fake.BeforeRequest = (method, path) =>
        {
            if (method == "GET" && path == collection) away.Wait(TimeSpan.FromSeconds(60));
        };
        await fake.WaitForWatchesAsync();
        fake.DropWatches();
        fake.Delete(KubernetesFleet.Namespace, unallocated);
        fake.Compact();
        away.Set();

        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        Assert.DoesNotContain(hash, s => s.Name == unallocated);
        Assert.Equal(2, fake.ListCalls);
        await replica.WaitForLogAsync("(410 Gone); relisting");
        Assert.Equal(GameServerStates.Allocated, hash.Single(s => s.Name == answer.GameServerName).State);
        using var http = new HttpClient();
        var metrics = await Telemetry.MetricsScrape.GetAsync(http, replica.OpsPort);
        Assert.Equal((1, 1), (metrics.Value("allocator_relists_total", ("reason", "initial")), metrics.Value("allocator_relists_total", ("reason", "expired"))));
    }

    [Fact]
    public async Task The_leader_marks_its_own_pod_to_be_deleted_last_and_clears_the_mark_when_it_hands_over()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 2, capacity: 4);
        fake.AddPod("allocators", "pod-1");
        fake.AddPod("allocators", "pod-2");
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-pod-cost");
        string[] Version(string v) => KubernetesFleet.Settings(fake, $"--Allocator:Version={v}", "--Allocator:LeaseRetry=00:00:00.200",
            "--Allocator:HeartbeatInterval=00:00:00.200", "--Allocator:MemberTimeout=00:00:10");
        static Dictionary<string, string> Pod(string name) => new() { ["POD_NAME"] = name, ["POD_NAMESPACE"] = "allocators" };
        string? Cost(string pod) => (string?)fake.GetPod("allocators", pod)!["metadata"]!["annotations"]?[LeaderPodCost.Annotation];

        await using var replicas = new ReplicaGroup();
        var old = await replicas.AddAsync("v1", redis, prefix, Pod("pod-1"), Version("1.0.0"));
        await AllocateAsync(old, "pod-cost-1");
        await Eventually(() => Cost("pod-1") == "10000", "the leader's pod is marked");

        await replicas.AddAsync("v2", redis, prefix, Pod("pod-2"), Version("1.1.0"));
        await Eventually(() => Cost("pod-2") == "10000" && Cost("pod-1") is null, "the mark moved to the new leader's pod");
        Assert.False(old.HasExited);
    }

    /// <summary>
    /// Polls a condition another process brings about (no signal crosses the process boundary);
    /// 60 s at most, generous so that a busy machine only makes it slower.
    /// </summary>
    private static async Task Eventually(Func<bool> condition, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"not within {seconds} s: {what}");
            await Task.Delay(100);
        }
    }
}
