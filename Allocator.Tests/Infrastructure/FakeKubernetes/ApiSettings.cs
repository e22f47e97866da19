namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Behaviour a test may change while the fake runs: request hooks, throttling, bookmarks, how much
/// watch history is kept, and the GameServer CRD's list bound. A watch reads its part when it opens.
/// </summary>
internal sealed class ApiSettings
{
    /// <summary>Called with (method, path) before each request is served, on the request's thread.</summary>
    public volatile Action<string, string>? BeforeRequest;

    /// <summary>Decides a SubjectAccessReview from its spec (user, groups, resourceAttributes); unset, every review is denied.</summary>
    public volatile Func<System.Text.Json.Nodes.JsonObject, bool>? AccessRule;

    private long _bookmarkTicks = TimeSpan.FromSeconds(60).Ticks;
    private long _historyWindowTicks = TimeSpan.FromMinutes(5).Ticks;
    private int _historyLimit = 10_000;
    private int _listMaxItems = 1000;
    private int _throttled;
    private int _retryAfterSeconds;

    /// <summary>How often a watch opened with allowWatchBookmarks gets a BOOKMARK: about every minute, as the API server sends them.</summary>
    public TimeSpan BookmarkInterval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _bookmarkTicks));
        set => Interlocked.Exchange(ref _bookmarkTicks, Positive(value).Ticks);
    }

    /// <summary>How long a change stays in the watch history (etcd compacts every 5 minutes); older ones expire on their own.</summary>
    public TimeSpan HistoryWindow
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _historyWindowTicks));
        set => Interlocked.Exchange(ref _historyWindowTicks, Positive(value).Ticks);
    }

    /// <summary>At most this many changes stay in the watch history (the watch cache's capacity).</summary>
    public int HistoryLimit
    {
        get => Volatile.Read(ref _historyLimit);
        set => Volatile.Write(ref _historyLimit, value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>The GameServer CRD's <c>maxItems</c> on list values and maximum list capacity (Agones' Helm value <c>gameservers.lists.maxItems</c>).</summary>
    public int ListMaxItems
    {
        get => Volatile.Read(ref _listMaxItems);
        set => Volatile.Write(ref _listMaxItems, value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)));
    }

    /// <summary>The next <paramref name="count"/> write requests get 429 with <c>Retry-After: retryAfterSeconds</c>.</summary>
    public void Throttle(int count, int retryAfterSeconds)
    {
        Volatile.Write(ref _retryAfterSeconds, retryAfterSeconds);
        Volatile.Write(ref _throttled, count);
    }

    /// <summary>Whether this write is throttled (taking one of the throttled requests), and for how long.</summary>
    public bool TryThrottle(out int retryAfterSeconds)
    {
        retryAfterSeconds = Volatile.Read(ref _retryAfterSeconds);
        var left = Volatile.Read(ref _throttled);
        while (left > 0)
        {
            var seen = Interlocked.CompareExchange(ref _throttled, left - 1, left);
            if (seen == left) return true;
            left = seen;
        }
        return false;
    }

    private static TimeSpan Positive(TimeSpan value) => value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value));
}
