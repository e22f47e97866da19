namespace Allocator.Service.Leadership;

internal static partial class LeadershipLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Leader lease attempt failed: {Reason}")]
    public static partial void LeaseAttemptFailed(ILogger logger, string reason);
}
