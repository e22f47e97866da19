namespace Allocator.Service.Queue;

internal static partial class QueueLog
{
    [LoggerMessage(4001, LogLevel.Warning, "Could not look up the answers of {Count} waiting calls after a reconnect: {Reason}")]
    public static partial void RecoverFailed(ILogger logger, int count, string reason);
}
