using k8s;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// An in-process fake of the parts of the Kubernetes API server the allocator's Kubernetes mode uses:
/// Agones GameServers (list, watch, get, create, patch, replace, delete; no <c>/status</c>, as Agones'
/// CRD has none, and its schema checked), Pods (get, patch), Events (create, list), multi-cluster allocation's
/// GameServerAllocationPolicies (list, watch; their CRD's schema checked) and Secrets (get), ConfigMaps (the
/// request-header one an aggregated API server reads) and SubjectAccessReviews, served over real
/// HTTP so the real KubernetesClient talks to it unchanged. It refuses what the API server refuses. Tests change the
/// world server-side (<see cref="Put"/>, <see cref="Mutate"/>, <see cref="Delete"/> ...), steer watches
/// (<see cref="Compact"/>, <see cref="SendBookmark"/>, <see cref="DropWatches"/>) and assert on what
/// was asked of it (<see cref="Requests"/>, <see cref="Conflicts"/> ...).
/// </summary>
public sealed partial class FakeKubernetesApi : IAsyncDisposable
{
    private readonly ResourceStore _store;
    private readonly ApiCounters _counters;
    private readonly ApiSettings _settings;
    private readonly ApiHost _host;

    private FakeKubernetesApi(ResourceStore store, ApiCounters counters, ApiSettings settings, ApiHost host) =>
        (_store, _counters, _settings, _host) = (store, counters, settings, host);

    /// <summary>Starts the fake on a free loopback port. <paramref name="time"/> drives timestamps, bookmarks and watch timeouts.</summary>
    public static async Task<FakeKubernetesApi> StartAsync(TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var settings = new ApiSettings();
        var (store, counters) = (new ResourceStore(time, settings), new ApiCounters());
        var host = await ApiHost.StartAsync(store, counters, settings, time);
        return new FakeKubernetesApi(store, counters, settings, host);
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url => _host.Url;

    /// <summary>A new real client pointed at the fake; the caller disposes it.</summary>
    public Kubernetes Client() => new(new KubernetesClientConfiguration { Host = Url });

    /// <summary>The store's current resourceVersion (what a list made now would carry).</summary>
    public string ResourceVersion => ObjectMeta.Format(_store.ResourceVersion);

    /// <summary>How often a watch with allowWatchBookmarks gets a BOOKMARK; read when a watch opens. Default 60 s, as the API server.</summary>
    public TimeSpan BookmarkInterval
    {
        get => _settings.BookmarkInterval;
        set => _settings.BookmarkInterval = value;
    }

    /// <summary>
    /// Runs before each request is served, with its method and path: a test's hook to change the
    /// world at an exact point of a client's work (e.g. delete a GameServer as it is read).
    /// </summary>
    public Action<string, string>? BeforeRequest
    {
        get => _settings.BeforeRequest;
        set => _settings.BeforeRequest = value;
    }

    /// <summary>GameServer and Pod list calls served (watches not included).</summary>
    public int ListCalls => _counters.Lists;

    /// <summary>Watch requests opened.</summary>
    public int WatchCalls => _counters.Watches;

    /// <summary>409 answers served (Conflict and AlreadyExists).</summary>
    public int Conflicts => _counters.Conflicts;

    /// <summary>Every write request (POST, PUT, PATCH, DELETE) in arrival order, with the status it got.</summary>
    public IReadOnlyList<(string Method, string Path, string ContentType, string Body, int Status)> Requests => _counters.Writes;

    /// <summary>Watch streams open right now (a 410-expired watch never counts).</summary>
    public int OpenWatches => _store.OpenWatches;

    /// <summary>
    /// Completes once at least <paramref name="count"/> watches are open: a test's cue that a client's
    /// watch is connected before it sends a bookmark or drops watches. Fails after <paramref name="timeout"/> (default 60 s:
    /// generous, so a busy machine only makes it slower).
    /// </summary>
    public async Task WaitForWatchesAsync(int count = 1, TimeSpan? timeout = null)
    {
        using var patience = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _store.WaitForWatchesAsync(count, patience.Token);
    }

    /// <summary>Forgets the event history up to now: a watch from an older resourceVersion gets 410 Expired.</summary>
    public void Compact() => _store.Compact();

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every open watch that allows them.</summary>
    public void SendBookmark() => _store.Bookmark();

    /// <summary>Aborts the connection of every open watch mid-stream, as a lost API server or proxy would.</summary>
    public void DropWatches() => _store.DropWatches();

    /// <summary>
    /// Every open watch goes silent without a reset, as when a load balancer or a failed-over API server
    /// black-holes the connection: no event, no bookmark, no clean end at its timeout. The client sees
    /// nothing until it gives up on the stream itself. Watches opened later are served normally.
    /// </summary>
    public void SilenceWatches() => _store.SilenceWatches();

    /// <summary>How long a change stays in the watch history (default 5 min, etcd's compaction); older ones expire on their own (410).</summary>
    public TimeSpan HistoryWindow
    {
        get => _settings.HistoryWindow;
        set => _settings.HistoryWindow = value;
    }

    /// <summary>At most this many changes stay in the watch history (default 10,000); a resume from before them gets 410.</summary>
    public int HistoryLimit
    {
        get => _settings.HistoryLimit;
        set => _settings.HistoryLimit = value;
    }

    /// <summary>The GameServer CRD's list bound (Agones' <c>gameservers.lists.maxItems</c>, default 1000): a list capacity or values beyond it is a 422.</summary>
    public int ListMaxItems
    {
        get => _settings.ListMaxItems;
        set => _settings.ListMaxItems = value;
    }

    /// <summary>The next <paramref name="count"/> write requests (POST, PUT, PATCH, DELETE) get 429 with <c>Retry-After</c>, as a throttling API server sends.</summary>
    public void ThrottleWrites(int count, int retryAfterSeconds) => _settings.Throttle(count, retryAfterSeconds);

    /// <summary>Ends every watch cleanly and stops the server.</summary>
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
