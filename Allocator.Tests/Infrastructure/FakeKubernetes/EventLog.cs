using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The change history and the open watches it feeds. The history is bounded, as the API server's
/// watch cache and etcd's compaction bound it: at most <see cref="ApiSettings.HistoryLimit"/> changes,
/// none older than <see cref="ApiSettings.HistoryWindow"/>; a watch from before what is kept gets 410.
/// Not thread-safe by itself: the <see cref="ResourceStore"/> calls it under its lock, so a watch
/// neither misses nor repeats a change between its replay and its live part.
/// </summary>
internal sealed class EventLog(ApiSettings settings, TimeProvider time)
{
    private readonly Queue<(StoredEvent Change, DateTimeOffset At)> _history = new();
    private readonly HashSet<WatchSubscription> _watches = [];
    private long _compactedThrough;

    public IReadOnlyCollection<WatchSubscription> Watches => _watches;

    public void Append(StoredEvent change)
    {
        _history.Enqueue((change, time.GetUtcNow()));
        Expire();
        foreach (var watch in _watches) watch.Offer(change);
    }

    /// <summary>
    /// Starts <paramref name="watch"/>: with no resourceVersion, an ADDED for every current object; from
    /// a retained one, every later change; from one older than what is kept, a 410 Expired.
    /// </summary>
    public void Open(WatchSubscription watch, long? fromResourceVersion, IEnumerable<JsonObject> current)
    {
        Expire();
        if (fromResourceVersion is not { } from)
        {
            foreach (var obj in current) watch.OfferExisting(obj);
        }
        else if (from < _compactedThrough)
        {
            watch.Fail(ApiStatus.Expired(from, _compactedThrough));
            return;
        }
        else
        {
            foreach (var (change, _) in _history.Where(c => c.Change.ResourceVersion > from)) watch.Offer(change);
        }
        _watches.Add(watch);
    }

    public void Close(WatchSubscription watch) => _watches.Remove(watch);

    /// <summary>Forgets every change up to <paramref name="resourceVersion"/>: older watches now get 410.</summary>
    public void Compact(long resourceVersion)
    {
        _history.Clear();
        _compactedThrough = resourceVersion;
    }

    /// <summary>Drops the changes beyond the limit or older than the window: a resume from before them gets 410.</summary>
    private void Expire()
    {
        var oldest = time.GetUtcNow() - settings.HistoryWindow;
        while (_history.Count > 0 && (_history.Count > settings.HistoryLimit || _history.Peek().At < oldest))
        {
            _compactedThrough = _history.Dequeue().Change.ResourceVersion;
        }
    }
}
