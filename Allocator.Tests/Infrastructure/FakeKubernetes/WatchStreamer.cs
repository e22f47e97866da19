using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Serves one watch: headers at once, then newline-delimited events, each flushed, until
/// <c>timeoutSeconds</c> passes (clean end), the client leaves, the fake stops (clean end), or the test
/// drops the watch (connection aborted mid-stream). With <c>allowWatchBookmarks</c>, a BOOKMARK every
/// <see cref="ApiSettings.BookmarkInterval"/>. A silenced watch sends nothing and does not end at its
/// timeout either: like a connection a proxy black-holed, it lasts until the client gives up.
/// </summary>
internal sealed class WatchStreamer(ResourceStore store, ApiSettings settings, TimeProvider time, CancellationToken stopping)
{
    public async Task StreamAsync(HttpContext context, ResourceType type, ObjectFilter filter, ListQuery query)
    {
        using var watch = store.Watch(type, filter, query.ResourceVersion, query.AllowBookmarks);
        using var timeout = query.Timeout is { } after ? new CancellationTokenSource(after, time) : new CancellationTokenSource();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token, stopping, watch.Dropped);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var bookmarks = query.AllowBookmarks ? SendBookmarksAsync(watch, ending.Token) : Task.CompletedTask;
        try
        {
            await response.Body.FlushAsync(context.RequestAborted);
            await foreach (var line in watch.Lines.ReadAllAsync(ending.Token))
            {
                await response.WriteAsync(line + "\n", context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Timeout, the client went, the fake stops or the test dropped the watch: see below.
        }
        finally
        {
            await ending.CancelAsync();
            await bookmarks;
        }
        if (watch.Silent && !watch.Dropped.IsCancellationRequested) await HeldOpenAsync(context);
        if (watch.Dropped.IsCancellationRequested) context.Abort();
    }

    private async Task HeldOpenAsync(HttpContext context)
    {
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, gone.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up on it, or the fake stops.
        }
    }

    private async Task SendBookmarksAsync(WatchSubscription watch, CancellationToken ending)
    {
        using var timer = new PeriodicTimer(settings.BookmarkInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ending)) store.Bookmark(watch);
        }
        catch (OperationCanceledException)
        {
            // The watch ended.
        }
    }
}
