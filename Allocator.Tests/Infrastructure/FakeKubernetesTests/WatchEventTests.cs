using System.Text.Json;
using System.Text.Json.Nodes;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>Which events a watch delivers, in what order, through the real client.</summary>
public class WatchEventTests
{
    private static readonly Dictionary<string, (long, long)> Rooms = new() { ["rooms"] = (0, 10) };

    [Fact]
    public async Task A_watch_from_a_list_resource_version_gets_exactly_the_later_changes_in_order()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms));
        var list = (await client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers")).AsJson();
        var listVersion = list.GetProperty("metadata").GetProperty("resourceVersion").GetString();

        // Changes made before the watch connects must still arrive: they follow the list's version.
        api.Put(FakeKubernetesApi.GameServer("default", "b", counters: Rooms));
        api.Mutate("default", "a", gs => gs["status"]!["counters"]!["rooms"]!["count"] = 3);
        await using var watch = WatchRecorder.Start(client, resourceVersion: listVersion);
        api.Delete("default", "b");

        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["b", "a", "b"], events.Select(e => e.Object.Name()));
        Assert.Equal(3, events[1].Object.Rooms());
        var versions = events.Select(e => long.Parse(e.Object.ResourceVersion())).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(api.ResourceVersion, events[2].Object.ResourceVersion());
        Assert.False(watch.HasPending);
        Assert.Equal(1, api.WatchCalls);
    }

    [Fact]
    public async Task A_watch_without_resource_version_starts_with_every_current_object_as_added()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        api.Put(FakeKubernetesApi.GameServer("elsewhere", "c"));

        await using var watch = WatchRecorder.Start(client, ns: null);
        var first = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };
        api.Mutate("default", "b", gs => gs["status"]!["state"] = "Allocated");
        var next = await watch.NextAsync();

        Assert.All(first, e => Assert.Equal(WatchEventType.Added, e.Type));
        Assert.Equal(["a", "b", "c"], first.Select(e => e.Object.Name()));
        Assert.Equal((WatchEventType.Modified, "b"), (next.Type, next.Object.Name()));
        Assert.Equal("Allocated", next.Object.GetProperty("status").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Delete_through_the_client_emits_deleted_and_mark_deleting_emits_modified()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        await using var watch = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers", "a");
        api.MarkDeleting("default", "b");
        var deleted = await watch.NextAsync();
        var deleting = await watch.NextAsync();

        Assert.Equal((WatchEventType.Deleted, "a"), (deleted.Type, deleted.Object.Name()));
        Assert.Equal((WatchEventType.Modified, "b"), (deleting.Type, deleting.Object.Name()));
        Assert.True(deleting.Object.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _));
        Assert.Null(api.Get("default", "a"));
        Assert.NotNull(api.Get("default", "b"));
    }

    [Fact]
    public async Task A_finalizer_holds_a_deleted_object_until_it_is_removed()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var gs = FakeKubernetesApi.GameServer("default", "a");
        gs["metadata"]!["finalizers"] = new JsonArray("agones.dev");
        api.Put(gs);
        await using var watch = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers", "a");
        var marked = await watch.NextAsync();
        api.Mutate("default", "a", o => o["metadata"]!.AsObject().Remove("finalizers"));
        var gone = await watch.NextAsync();

        Assert.Equal(WatchEventType.Modified, marked.Type);
        Assert.True(marked.Object.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _));
        Assert.Equal((WatchEventType.Deleted, "a"), (gone.Type, gone.Object.Name()));
        Assert.Null(api.Get("default", "a"));
    }

    [Fact]
    public async Task A_label_filtered_watch_sees_objects_enter_and_leave_its_selection()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", labels: new Dictionary<string, string> { ["agones.dev/fleet"] = "f" }));
        await using var watch = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion, labelSelector: "agones.dev/fleet=f");

        api.Mutate("default", "a", gs => gs["metadata"]!["labels"]!["agones.dev/fleet"] = "g");
        api.Put(FakeKubernetesApi.GameServer("default", "other"));
        api.Mutate("default", "a", gs => gs["metadata"]!["labels"]!["agones.dev/fleet"] = "f");

        var left = await watch.NextAsync();
        var back = await watch.NextAsync();
        Assert.Equal((WatchEventType.Deleted, "a"), (left.Type, left.Object.Name()));
        Assert.Equal((WatchEventType.Added, "a"), (back.Type, back.Object.Name()));
        Assert.False(watch.HasPending);
    }

    [Fact]
    public async Task Many_concurrent_watches_each_get_every_event()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        var from = api.ResourceVersion;
        var watches = Enumerable.Range(0, 8).Select(_ => WatchRecorder.Start(client, resourceVersion: from)).ToList();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => api.Put(FakeKubernetesApi.GameServer("default", $"gs-{i}")))));

        foreach (var watch in watches)
        {
            var names = new List<string>();
            for (var i = 0; i < 20; i++) names.Add((await watch.NextAsync()).Object.Name());
            Assert.Equal(20, names.Distinct().Count());
            await watch.DisposeAsync();
        }
    }
}
