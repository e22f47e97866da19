namespace Allocator.Service.Queue;

internal static partial class QueueLog
{
    [LoggerMessage(4001, LogLevel.Warning, "Could not queue {Count} waiting calls again after a reconnect, retrying until they end: {Reason}")]
    public static partial void RequeueFailed(ILogger logger, int count, string reason);

    [LoggerMessage(4002, LogLevel.Information, "Reconnected to Redis: {Count} waiting calls queued again (same ids)")]
    public static partial void Requeued(ILogger logger, int count);

    [LoggerMessage(4003, LogLevel.Warning, "Queueing calls has taken {Elapsed} ms so far; thread pool {Threads} threads, {Queued} work items queued; Redis: {Status}")]
    public static partial void EnqueueSlow(ILogger logger, long elapsed, int threads, long queued, string status);
}
