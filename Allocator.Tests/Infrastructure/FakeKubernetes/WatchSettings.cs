namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>Behaviour a test may change while the fake runs; a watch reads its part when it opens.</summary>
internal sealed class WatchSettings
{
    /// <summary>Called with (method, path) before each request is served, on the request's thread.</summary>
    public volatile Action<string, string>? BeforeRequest;

    private long _bookmarkTicks = TimeSpan.FromSeconds(1).Ticks;

    /// <summary>How often a watch opened with allowWatchBookmarks gets a BOOKMARK. Default 1 s.</summary>
    public TimeSpan BookmarkInterval
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _bookmarkTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _bookmarkTicks, value.Ticks);
        }
    }
}
