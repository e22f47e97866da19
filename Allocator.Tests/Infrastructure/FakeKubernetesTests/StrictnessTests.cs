using System.Net;
using System.Text.Json.Nodes;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>
/// What the API server refuses, the fake refuses: a custom resource's patch formats and missing
/// subresource, its CRD schema, throttling, and a watch history that expires on its own.
/// </summary>
public class StrictnessTests
{
    private static Task<object> PatchAsync(Kubernetes client, string name, string body, V1Patch.PatchType type) => PatchTests.PatchAsync(client, name, body, type);

    [Fact]
    public async Task A_GameServer_takes_no_strategic_merge_patch_and_has_no_status_subresource_a_Pod_has_both()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.AddPod("default", "p");

        var strategic = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PatchAsync(client, "a", """{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.StrategicMergePatch));
        var status = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"state":"Allocated"}}""", V1Patch.PatchType.MergePatch), "agones.dev", "v1", "default", "gameservers", "a"));
        var pod = await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.StrategicMergePatch), "p", "default");
        var podStatus = await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch("""{"metadata":{"labels":{"sneaky":"1"}},"status":{"phase":"Succeeded"}}""", V1Patch.PatchType.MergePatch), "p", "default");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, strategic.Response.StatusCode);
        Assert.DoesNotContain(", application/strategic-merge-patch+json", strategic.Response.Content);
        Assert.Equal(HttpStatusCode.NotFound, status.Response.StatusCode);
        Assert.Equal("Ready", (string?)api.Get("default", "a")!["status"]!["state"]);
        Assert.Equal("1", pod.Metadata.Labels["x"]);
        Assert.Equal(("Succeeded", false), (podStatus.Status.Phase, podStatus.Metadata.Labels.ContainsKey("sneaky")));
    }

    [Fact]
    public async Task Without_a_status_subresource_a_status_change_is_a_new_generation_a_metadata_change_is_not()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));

        var labelled = (await PatchAsync(client, "a", """{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.MergePatch)).AsJson();
        var allocated = (await PatchAsync(client, "a", """{"status":{"state":"Allocated"}}""", V1Patch.PatchType.MergePatch)).AsJson();

        Assert.Equal(1, labelled.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal(2, allocated.GetProperty("metadata").GetProperty("generation").GetInt64());
    }

    [Theory]
    [InlineData("""{"status":{"state":"Busy"}}""", "status.state: Unsupported value: \"Busy\"")]
    [InlineData("""{"status":{"counters":{"rooms":{"count":-1}}}}""", "status.counters.rooms.count in body should be greater than or equal to 0")]
    [InlineData("""{"status":{"lists":{"players":{"capacity":1001}}}}""", "status.lists.players.capacity in body should be less than or equal to 1000")]
    [InlineData("""{"status":{"lists":{"players":{"values":["p1","p2","p1"]}}}}""", "status.lists.players.values[2]: Duplicate value: \"p1\"")]
    public async Task A_write_the_GameServer_CRD_schema_refuses_is_a_422_and_changes_nothing(string patch, string message)
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", counters: new Dictionary<string, (long, long)> { ["rooms"] = (0, 10) },
            lists: new Dictionary<string, (long, IReadOnlyList<string>)> { ["players"] = (10, []) }));
        var before = api.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a", patch, V1Patch.PatchType.MergePatch));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains(message, (string?)JsonNode.Parse(error.Response.Content)!["message"]);
        Assert.Equal(before, api.ResourceVersion);
    }

    [Fact]
    public async Task List_values_beyond_the_CRD_maxItems_are_a_422()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.ListMaxItems = 2;
        api.Put(FakeKubernetesApi.GameServer("default", "a", lists: new Dictionary<string, (long, IReadOnlyList<string>)> { ["players"] = (2, ["p1"]) }));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PatchAsync(client, "a", """{"status":{"lists":{"players":{"values":["p1","p2","p3"]}}}}""", V1Patch.PatchType.MergePatch));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("status.lists.players.values: Too many: 3: must have at most 2 items", error.Response.Content);
    }

    [Fact]
    public async Task A_throttled_write_is_a_429_with_Retry_After_and_the_next_one_is_served()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.ThrottleWrites(1, retryAfterSeconds: 3);

        var throttled = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a", """{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.MergePatch));
        await PatchAsync(client, "a", """{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.MergePatch);

        Assert.Equal((HttpStatusCode)429, throttled.Response.StatusCode);
        Assert.Equal(["3"], throttled.Response.Headers["Retry-After"]);
        Assert.Equal([429, 200], api.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task Watch_history_expires_on_its_own_by_age_and_by_count_a_resume_from_before_it_gets_410()
    {
        var clock = new SettableClock();
        await using var api = await FakeKubernetesApi.StartAsync(clock);
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        var old = api.ResourceVersion;
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        clock.Advance(api.HistoryWindow + TimeSpan.FromSeconds(1));

        await using var byAge = WatchRecorder.Start(client, resourceVersion: old);
        var aged = Assert.IsType<KubernetesException>(await byAge.FirstErrorAsync());

        api.HistoryLimit = 2;
        var before = api.ResourceVersion;
        for (var i = 0; i < 3; i++) api.Put(FakeKubernetesApi.GameServer("default", $"c{i}"));
        await using var byCount = WatchRecorder.Start(client, resourceVersion: before);
        var counted = Assert.IsType<KubernetesException>(await byCount.FirstErrorAsync());

        Assert.Equal((410, 410), (aged.Status.Code, counted.Status.Code));
    }

    [Fact]
    public async Task A_silenced_watch_sends_nothing_and_outlives_its_timeout_until_the_client_leaves()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var silenced = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion, bookmarks: true, timeoutSeconds: 1);
        await api.WaitForWatchesAsync();
        api.SilenceWatches();
        api.SendBookmark();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        // A watch opened now is served, and ends cleanly at its 2 s timeout: by then the silenced one (1 s) would have too.
        await using var fresh = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion, timeoutSeconds: 2);
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        Assert.Equal("b", (await fresh.NextAsync()).Object.Name());
        Assert.Null(await fresh.EndedAsync());

        Assert.False(silenced.HasPending);
        Assert.False(silenced.HasEnded);
        await silenced.DisposeAsync();
        await Until.TrueAsync(() => Task.FromResult(api.OpenWatches == 0), "the client's leaving closes the silenced watch");
    }

    private sealed class SettableClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
