namespace Allocator.Service.MultiCluster;

internal static partial class MultiClusterLog
{
    [LoggerMessage(8001, LogLevel.Information, "Read {Count} GameServerAllocationPolicies from {Path}")]
    public static partial void PoliciesRead(ILogger logger, string path, int count);

    [LoggerMessage(8002, LogLevel.Warning, "Policy file {Path} cannot be read, keeping the last good policies: {Reason}")]
    public static partial void PolicyFileBroken(ILogger logger, string path, string reason);

    [LoggerMessage(8003, LogLevel.Information, "Listed {Count} GameServerAllocationPolicies in {Namespace}")]
    public static partial void PoliciesListed(ILogger logger, string @namespace, int count);

    [LoggerMessage(8004, LogLevel.Warning, "GameServerAllocationPolicy watch in {Namespace} expired at resourceVersion {ResourceVersion} (410 Gone); relisting")]
    public static partial void PolicyWatchExpired(ILogger logger, string @namespace, string resourceVersion);

    [LoggerMessage(8005, LogLevel.Warning, "GameServerAllocationPolicy watch in {Namespace} failed, retrying: {Reason}")]
    public static partial void PolicyWatchFailed(ILogger logger, string @namespace, string reason);

    [LoggerMessage(8006, LogLevel.Warning, "GameServerAllocationPolicy watch in {Namespace} brought nothing for {Seconds} s; resuming on a new connection")]
    public static partial void PolicyWatchSilent(ILogger logger, string @namespace, double seconds);

    [LoggerMessage(8007, LogLevel.Warning, "Unusable GameServerAllocationPolicy: {Problem}")]
    public static partial void PolicyUnusable(ILogger logger, string problem);

    [LoggerMessage(8008, LogLevel.Information, "Multi-cluster allocation {RequestId}: {Answer}; trying the next cluster")]
    public static partial void ClusterDeclined(ILogger logger, string requestId, string answer);
}
