using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The change history and the open watches it feeds. Not thread-safe by itself: the
/// <see cref="ResourceStore"/> calls it under its lock, so a watch neither misses nor repeats a change
/// between its replay and its live part.
/// </summary>
internal sealed class EventLog
{
    private readonly List<StoredEvent> _history = [];
    private readonly HashSet<WatchSubscription> _watches = [];
    private long _compactedThrough;

    public IReadOnlyCollection<WatchSubscription> Watches => _watches;

    public void Append(StoredEvent change)
    {
        _history.Add(change);
        foreach (var watch in _watches) watch.Offer(change);
    }

    /// <summary>
    /// Starts <paramref name="watch"/>: with no resourceVersion, an ADDED for every current object; from
    /// a retained one, every later change; from one older than the last compaction, a 410 Expired.
    /// </summary>
    public void Open(WatchSubscription watch, long? fromResourceVersion, IEnumerable<JsonObject> current)
    {
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
            foreach (var change in _history.Where(c => c.ResourceVersion > from)) watch.Offer(change);
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
}
