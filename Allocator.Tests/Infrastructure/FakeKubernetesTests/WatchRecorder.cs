using System.Text.Json;
using System.Threading.Channels;
using k8s;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>
/// Runs a real client's GameServer watch in the background and hands the test its events, errors and
/// end as they happen, each awaited with a timeout (no sleeps).
/// </summary>
internal sealed class WatchRecorder : IAsyncDisposable
{
    // Generous: a busy machine makes events late, never wrong; a missing one still fails the test.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Channel<(WatchEventType Type, JsonElement Object)> _events = Channel.CreateUnbounded<(WatchEventType, JsonElement)>();
    private readonly TaskCompletionSource<Exception> _firstError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Exception?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();

    public static WatchRecorder Start(
        Kubernetes client, string? ns = "default", string? resourceVersion = null, bool bookmarks = false,
        int? timeoutSeconds = null, string? labelSelector = null)
    {
        var recorder = new WatchRecorder();
        var stream = ns is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync("agones.dev", "v1", "gameservers",
                allowWatchBookmarks: bookmarks, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: recorder.OnError, cancellationToken: recorder._stop.Token)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync("agones.dev", "v1", ns, "gameservers",
                allowWatchBookmarks: bookmarks, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: recorder.OnError, cancellationToken: recorder._stop.Token);
        _ = Task.Run(() => recorder.ReadAsync(stream));
        return recorder;
    }

    /// <summary>The next event, or a failure after 60 s.</summary>
    public async Task<(WatchEventType Type, JsonElement Object)> NextAsync()
    {
        using var patience = new CancellationTokenSource(Patience);
        return await _events.Reader.ReadAsync(patience.Token);
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<(WatchEventType Type, JsonElement Object)> NextChangeAsync()
    {
        while (true)
        {
            var next = await NextAsync();
            if (next.Type != WatchEventType.Bookmark) return next;
        }
    }

    /// <summary>The first error the client reported (an ERROR event arrives as a KubernetesException).</summary>
    public Task<Exception> FirstErrorAsync() => _firstError.Task.WaitAsync(Patience);

    /// <summary>Completes when the stream ends: null when the server ended it cleanly, else what broke it.</summary>
    public Task<Exception?> EndedAsync() => _ended.Task.WaitAsync(Patience);

    /// <summary>Whether an event is already waiting (nothing is awaited).</summary>
    public bool HasPending => _events.Reader.TryPeek(out _);

    /// <summary>Whether the stream has ended (nothing is awaited).</summary>
    public bool HasEnded => _ended.Task.IsCompleted;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ended.Task.WaitAsync(Patience);
        _stop.Dispose();
    }

    private void OnError(Exception error) => _firstError.TrySetResult(error);

    private async Task ReadAsync(IAsyncEnumerable<(WatchEventType, object)> stream)
    {
        try
        {
            await foreach (var (type, obj) in stream) _events.Writer.TryWrite((type, (JsonElement)obj));
            _ended.TrySetResult(null);
        }
        catch (Exception e)
        {
            _ended.TrySetResult(e);
        }
    }
}
