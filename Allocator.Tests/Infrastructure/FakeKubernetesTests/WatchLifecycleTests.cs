using System.Net;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>How watch streams start, expire, bookmark, time out and break, through the real client.</summary>
public class WatchLifecycleTests
{
    [Fact]
    public async Task A_watch_from_before_a_compaction_gets_one_410_expired_error_and_ends()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        var old = api.ResourceVersion;
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        api.Compact();

        await using var expired = WatchRecorder.Start(client, resourceVersion: old);
        var error = Assert.IsType<KubernetesException>(await expired.FirstErrorAsync());
        var ended = await expired.EndedAsync();

        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.Null(ended);
        Assert.False(expired.HasPending);

        // From the compaction point on, watching works again.
        await using var fresh = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion);
        api.Put(FakeKubernetesApi.GameServer("default", "c"));
        Assert.Equal("c", (await fresh.NextAsync()).Object.Name());
    }

    [Fact]
    public async Task Bookmarks_arrive_on_the_interval_and_on_demand_carrying_the_current_version()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        api.BookmarkInterval = TimeSpan.FromMilliseconds(50);
        await using var periodic = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion, bookmarks: true);
        var ticked = await periodic.NextAsync();

        api.BookmarkInterval = TimeSpan.FromHours(1);
        await using var onDemand = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion, bookmarks: true);
        await using var without = WatchRecorder.Start(client, resourceVersion: api.ResourceVersion);
        await api.WaitForWatchesAsync(3);
        var current = api.ResourceVersion;
        api.SendBookmark();
        var sent = await onDemand.NextAsync();
        api.Put(FakeKubernetesApi.GameServer("default", "b"));

        Assert.Equal(WatchEventType.Bookmark, ticked.Type);
        Assert.Equal(WatchEventType.Bookmark, sent.Type);
        Assert.Equal("GameServer", sent.Object.GetProperty("kind").GetString());
        Assert.Equal(current, sent.Object.ResourceVersion());
        Assert.Equal(WatchEventType.Added, (await onDemand.NextAsync()).Type);
        Assert.Equal(WatchEventType.Added, (await without.NextAsync()).Type);
    }

    [Fact]
    public async Task Timeout_seconds_ends_the_stream_cleanly()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));

        await using var watch = WatchRecorder.Start(client, resourceVersion: null, timeoutSeconds: 1);

        Assert.Equal(WatchEventType.Added, (await watch.NextAsync()).Type);
        Assert.Null(await watch.EndedAsync());
    }

    [Fact]
    public async Task Dropped_watches_break_and_a_reconnect_from_the_last_version_misses_nothing()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        await using var first = WatchRecorder.Start(client);
        var seen = (await first.NextAsync()).Object.ResourceVersion();

        api.DropWatches();
        var broken = await first.EndedAsync();
        api.Put(FakeKubernetesApi.GameServer("default", "b"));
        await using var second = WatchRecorder.Start(client, resourceVersion: seen);

        var next = await second.NextAsync();
        Assert.NotNull(broken);
        Assert.Equal((WatchEventType.Added, "b"), (next.Type, next.Object.Name()));
        Assert.Equal(2, api.WatchCalls);
    }

    [Fact]
    public async Task Disposing_the_fake_ends_open_watches()
    {
        var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a"));
        await using var watch = WatchRecorder.Start(client);
        await watch.NextAsync();

        await api.DisposeAsync();

        Assert.Null(await watch.EndedAsync());
        var refused = await Assert.ThrowsAnyAsync<Exception>(() =>
            client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers"));
        Assert.IsNotType<HttpOperationException>(refused);
    }

    [Fact]
    public async Task A_malformed_resource_version_is_a_400()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync("agones.dev", "v1", "default", "gameservers",
                watch: true, resourceVersion: "abc"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
    }
}
