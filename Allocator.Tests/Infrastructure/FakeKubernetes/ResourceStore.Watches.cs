namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>The store's watch side: opening watches, compaction, bookmarks, dropping, and waiting for watches to connect.</summary>
internal sealed partial class ResourceStore
{
    private TaskCompletionSource _watchesChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens a watch; dispose it to close. See <see cref="EventLog.Open"/> for where it starts.</summary>
    public WatchSubscription Watch(ResourceType type, ObjectFilter filter, long? fromResourceVersion, bool bookmarks)
    {
        var watch = new WatchSubscription(type, filter, bookmarks, Unwatch);
        lock (_gate)
        {
            _events.Open(watch, fromResourceVersion, Current(type));
            PulseWatchesChanged();
        }
        return watch;
    }

    public void Compact()
    {
        lock (_gate) _events.Compact(_resourceVersion);
    }

    /// <summary>Sends a BOOKMARK at the current resourceVersion to one watch, or to every open one.</summary>
    public void Bookmark(WatchSubscription? only = null)
    {
        lock (_gate)
        {
            IEnumerable<WatchSubscription> targets = only is null ? _events.Watches : [only];
            foreach (var watch in targets) watch.OfferBookmark(_resourceVersion);
        }
    }

    public void DropWatches()
    {
        WatchSubscription[] open;
        lock (_gate) open = [.. _events.Watches];
        foreach (var watch in open) watch.Drop();
    }

    /// <summary>Every open watch goes silent: no event, no bookmark, no end; the connection stays open.</summary>
    public void SilenceWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _events.Watches) watch.Silence();
        }
    }

    public int OpenWatches { get { lock (_gate) return _events.Watches.Count; } }

    /// <summary>Completes once at least <paramref name="count"/> watches are open (signalled, not polled).</summary>
    public async Task WaitForWatchesAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_events.Watches.Count >= count) return;
                changed = _watchesChanged.Task;
            }
            await changed.WaitAsync(cancellationToken);
        }
    }

    private void Unwatch(WatchSubscription watch)
    {
        lock (_gate)
        {
            _events.Close(watch);
            PulseWatchesChanged();
        }
    }

    private void PulseWatchesChanged()
    {
        _watchesChanged.TrySetResult();
        _watchesChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
