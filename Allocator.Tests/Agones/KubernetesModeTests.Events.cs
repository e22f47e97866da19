using System.Text.Json.Nodes;
using Allocation.V1;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Grpc.Core;

namespace Allocator.Tests.Agones;

// Agones' side effects of an allocation (Events), and a write-back the CRD's schema refuses.
public partial class KubernetesModeTests
{
    [Fact]
    public async Task An_allocation_records_Allocated_and_its_action_errors_as_Events_on_the_GameServer()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        KubernetesFleet.Seed(fake, count: 1, capacity: 4);
        var redis = await RedisServer.GetAsync();
        await using var replica = await ReplicaProcess.StartAsync("e1", redis.ConnectionString, RedisServer.UniquePrefix("k8s-events"), KubernetesFleet.Settings(fake));
        var request = Session.Clone();
        request.Lists["players"] = new ListAction { AddValues = { "p1" } }; // gs-00 has no list "players"

        var answer = await replica.Allocation.AllocateAsync(request, new Metadata { { "x-request-id", "events-1" } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

        List<JsonObject> events = [];
        await Until.TrueAsync(() => Task.FromResult((events = [.. fake.Events]).Count >= 2), "two Events recorded");
        var uid = (string?)fake.Get(KubernetesFleet.Namespace, "gs-00")!["metadata"]!["uid"];
        Assert.Equal("gs-00", answer.GameServerName);
        Assert.All(events, e => Assert.Equal(("GameServer", "gs-00", KubernetesFleet.Namespace, uid),
            ((string?)e["involvedObject"]!["kind"], (string?)e["involvedObject"]!["name"], (string?)e["involvedObject"]!["namespace"], (string?)e["involvedObject"]!["uid"])));
        var allocated = Assert.Single(events, e => (string?)e["reason"] == "Allocated");
        Assert.Equal(("Normal", "Allocated"), ((string?)allocated["type"], (string?)allocated["message"]));
        var warning = Assert.Single(events, e => (string?)e["reason"] == "ListActionError");
        Assert.Equal("Warning", (string?)warning["type"]);
        Assert.Contains("players", (string?)warning["message"]);
    }

    [Fact]
    public async Task A_write_back_the_CRD_schema_refuses_answers_its_callers_with_the_reason()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        fake.ListMaxItems = 3; // the cluster's CRD allows 3 list values; the allocator's bound is Agones' default 1000
        fake.Put(FakeKubernetesApi.GameServer(KubernetesFleet.Namespace, "gs-00", labels: new Dictionary<string, string> { ["agones.dev/fleet"] = "demo" },
            counters: new Dictionary<string, (long, long)> { ["rooms"] = (0, 4) },
            lists: new Dictionary<string, (long, IReadOnlyList<string>)> { ["players"] = (3, ["p1"]) }));
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix("k8s-schema");
        var db = redis.Connection.GetDatabase();
        await using var replica = await ReplicaProcess.StartAsync("sc1", redis.ConnectionString, prefix, KubernetesFleet.Settings(fake));
        var request = Session.Clone();
        request.Lists["players"] = new ListAction { Capacity = 10, AddValues = { "p2", "p3", "p4", "p5" } };

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(request, new Metadata { { "x-request-id", "schema-1" } }, DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("422", error.Status.Detail);
        Assert.Contains("status.lists.players", error.Status.Detail);
        var hash = await KubernetesFleet.SettledAsync(fake, db, prefix);
        Assert.Equal(Allocator.Service.Allocation.GameServerStates.Ready, Assert.Single(hash).State);
    }
}
