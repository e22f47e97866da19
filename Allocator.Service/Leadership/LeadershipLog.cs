namespace Allocator.Service.Leadership;

internal static partial class LeadershipLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Leader lease attempt failed: {Reason}")]
    public static partial void LeaseAttemptFailed(ILogger logger, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Membership heartbeat failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(1003, LogLevel.Debug, "Not taking the lease: replica {Replica} runs newer version {Version}")]
    public static partial void DeferringToNewer(ILogger logger, string replica, string version);

    [LoggerMessage(1004, LogLevel.Information, "Freed the lease of this replica's term that ended on a Redis failure; candidates need not wait out its TTL")]
    public static partial void EndedLeaseFreed(ILogger logger);

    [LoggerMessage(1005, LogLevel.Information, "Replica {Replica} may lead first ({HeadStartMs} ms): it keeps a warm copy of the fleet, this replica does not")]
    public static partial void StandbyFirst(ILogger logger, string replica, long headStartMs);
}
