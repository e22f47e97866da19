using System.Net;
using System.Text.Json.Nodes;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>PATCH, PUT and POST semantics (optimistic concurrency, patch formats) through the real client.</summary>
public class PatchTests
{
    private static readonly Dictionary<string, (long, long)> Rooms = new() { ["rooms"] = (0, 10) };

    internal static Task<object> PatchAsync(Kubernetes client, string name, string body, V1Patch.PatchType type) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body, type), "agones.dev", "v1", "default", "gameservers", name);

    [Fact]
    public async Task A_merge_patch_with_the_current_version_applies_bumps_the_version_and_emits_modified()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var stored = api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms));
        var version = (string)stored["metadata"]!["resourceVersion"]!;
        await using var watch = WatchRecorder.Start(client, resourceVersion: version);

        var patched = (await PatchAsync(client, "a",
            """{"metadata":{"resourceVersion":"VERSION","labels":{"x":"1"}},"status":{"counters":{"rooms":{"count":4}}}}""".Replace("VERSION", version),
            V1Patch.PatchType.MergePatch)).AsJson();
        var seen = await watch.NextAsync();

        Assert.Equal(4, patched.Rooms());
        Assert.Equal(10, patched.GetProperty("status").GetProperty("counters").GetProperty("rooms").GetProperty("capacity").GetInt64());
        Assert.Equal(api.ResourceVersion, patched.ResourceVersion());
        Assert.NotEqual(version, patched.ResourceVersion());
        Assert.Equal((WatchEventType.Modified, 4L), (seen.Type, seen.Object.Rooms()));
        var request = Assert.Single(api.Requests);
        Assert.Equal(("PATCH", "/apis/agones.dev/v1/namespaces/default/gameservers/a", 200), (request.Method, request.Path, request.Status));
        Assert.StartsWith("application/merge-patch+json", request.ContentType);
    }

    [Fact]
    public async Task A_patch_taking_the_annotations_past_256_KiB_is_a_422_Invalid_and_changes_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms, annotations: new Dictionary<string, string> { ["big"] = new string('x', 200 * 1024) }));
        var before = api.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a",
            """{"metadata":{"annotations":{"more":"VALUE"}}}""".Replace("VALUE", new string('y', 60 * 1024)), V1Patch.PatchType.MergePatch));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("metadata.annotations: Too long: must have at most 262144 bytes", error.Response.Content);
        Assert.Equal(before, api.ResourceVersion);
        Assert.Null(api.Get("default", "a")!["metadata"]!["annotations"]!["more"]);
    }

    [Fact]
    public async Task A_merge_patch_with_a_stale_version_is_a_409_conflict_and_changes_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var stale = (string)api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms))["metadata"]!["resourceVersion"]!;
        api.Mutate("default", "a", gs => gs["status"]!["counters"]!["rooms"]!["count"] = 1);
        var before = api.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a",
            """{"metadata":{"resourceVersion":"STALE"},"status":{"counters":{"rooms":{"count":5}}}}""".Replace("STALE", stale),
            V1Patch.PatchType.MergePatch));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", error.Response.Content);
        Assert.Equal(1, api.Conflicts);
        Assert.Equal(409, Assert.Single(api.Requests).Status);
        Assert.Equal(before, api.ResourceVersion);
        Assert.Equal(1, (long)api.Get("default", "a")!["status"]!["counters"]!["rooms"]!["count"]!);
    }

    [Fact]
    public async Task Merge_patch_null_removes_a_field_and_a_no_op_patch_writes_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", labels: new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" }));
        var before = api.ResourceVersion;

        await PatchAsync(client, "a", """{"metadata":{"labels":{"x":"1"}}}""", V1Patch.PatchType.MergePatch);
        var unchanged = api.ResourceVersion;
        var removed = (await PatchAsync(client, "a", """{"metadata":{"labels":{"x":null}}}""", V1Patch.PatchType.MergePatch)).AsJson();

        Assert.Equal(before, unchanged);
        var labels = removed.GetProperty("metadata").GetProperty("labels");
        Assert.False(labels.TryGetProperty("x", out _));
        Assert.Equal("2", labels.GetProperty("y").GetString());
    }

    [Fact]
    public async Task A_json_patch_test_guards_the_change_and_a_failed_test_is_a_422()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms));

        var patched = (await PatchAsync(client, "a", """
            [{"op":"test","path":"/status/counters/rooms/count","value":0},
             {"op":"replace","path":"/status/counters/rooms/count","value":1},
             {"op":"add","path":"/metadata/annotations/agones.dev~1last","value":"x"}]
            """, V1Patch.PatchType.JsonPatch)).AsJson();
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a", """
            [{"op":"test","path":"/status/counters/rooms/count","value":0},
             {"op":"replace","path":"/status/counters/rooms/count","value":2}]
            """, V1Patch.PatchType.JsonPatch));

        Assert.Equal(1, patched.Rooms());
        Assert.Equal("x", patched.GetProperty("metadata").GetProperty("annotations").GetProperty("agones.dev/last").GetString());
        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        Assert.Equal(1, (long)api.Get("default", "a")!["status"]!["counters"]!["rooms"]!["count"]!);
    }

    [Fact]
    public async Task A_json_patch_adds_removes_moves_and_copies()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a",
            labels: new Dictionary<string, string> { ["old"] = "v" },
            lists: new Dictionary<string, (long, IReadOnlyList<string>)> { ["players"] = (4, ["p1", "p2"]) }));

        var patched = (await PatchAsync(client, "a", """
            [{"op":"add","path":"/status/lists/players/values/-","value":"p3"},
             {"op":"remove","path":"/status/lists/players/values/0"},
             {"op":"move","from":"/metadata/labels/old","path":"/metadata/labels/new"},
             {"op":"copy","from":"/status/nodeName","path":"/metadata/annotations/node"}]
            """, V1Patch.PatchType.JsonPatch)).AsJson();
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => PatchAsync(client, "a",
            """[{"op":"remove","path":"/spec/nothing"}]""", V1Patch.PatchType.JsonPatch));

        var players = patched.GetProperty("status").GetProperty("lists").GetProperty("players").GetProperty("values");
        Assert.Equal(["p2", "p3"], players.EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("v", patched.GetProperty("metadata").GetProperty("labels").GetProperty("new").GetString());
        Assert.False(patched.GetProperty("metadata").GetProperty("labels").TryGetProperty("old", out _));
        Assert.Equal("node-1", patched.GetProperty("metadata").GetProperty("annotations").GetProperty("node").GetString());
        Assert.Equal((HttpStatusCode)422, missing.Response.StatusCode);
    }

    [Fact]
    public async Task A_spec_change_bumps_generation_and_server_owned_metadata_is_kept()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var stored = api.Put(FakeKubernetesApi.GameServer("default", "a"));

        var patched = (await PatchAsync(client, "a", """{"metadata":{"uid":"forged"},"spec":{"container":"other"}}""",
            V1Patch.PatchType.MergePatch)).AsJson();

        Assert.Equal(2, patched.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.Equal((string)stored["metadata"]!["uid"]!, patched.GetProperty("metadata").GetProperty("uid").GetString());
    }

    [Fact]
    public async Task Replace_needs_the_current_version()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var stored = api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.Mutate("default", "a", gs => gs["status"]!["state"] = "Reserved");

        stored["status"]!["state"] = "Allocated";
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ReplaceNamespacedCustomObjectAsync(stored, "agones.dev", "v1", "default", "gameservers", "a"));
        var current = api.Get("default", "a")!;
        current["status"]!["state"] = "Allocated";
        var replaced = (await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(current, "agones.dev", "v1", "default", "gameservers", "a")).AsJson();

        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal("Allocated", replaced.GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Create_stamps_server_fields_and_a_second_create_is_a_409_already_exists()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var body = FakeKubernetesApi.GameServer("default", "a");

        var created = (await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "agones.dev", "v1", "default", "gameservers")).AsJson();
        var again = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "agones.dev", "v1", "default", "gameservers"));

        var metadata = created.GetProperty("metadata");
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("uid").GetString()));
        Assert.True(metadata.TryGetProperty("creationTimestamp", out _));
        Assert.Equal(api.ResourceVersion, created.ResourceVersion());
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
        Assert.Contains("\"reason\":\"AlreadyExists\"", again.Response.Content);
        Assert.Equal([201, 409], api.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task Patching_a_missing_object_is_a_404_and_apply_patch_is_a_415()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PatchAsync(client, "nope", "{}", V1Patch.PatchType.MergePatch));
        var apply = await Assert.ThrowsAsync<HttpOperationException>(() =>
            PatchAsync(client, "a", "{}", V1Patch.PatchType.ApplyPatch));

        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, apply.Response.StatusCode);
    }
}
