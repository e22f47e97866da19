namespace Allocator.Service.Agones;

internal static partial class KubernetesLog
{
    [LoggerMessage(5001, LogLevel.Warning, "Relisted game servers in {Namespace}: {Count} at resourceVersion {ResourceVersion}")]
    public static partial void Relisted(ILogger logger, string @namespace, int count, string resourceVersion);

    [LoggerMessage(5002, LogLevel.Warning, "Game server watch in {Namespace} expired at resourceVersion {ResourceVersion} (410 Gone); relisting")]
    public static partial void Expired(ILogger logger, string @namespace, string resourceVersion);

    [LoggerMessage(5003, LogLevel.Warning, "Game server watch in {Namespace} failed, resuming: {Reason}")]
    public static partial void WatchFailed(ILogger logger, string @namespace, string reason);

    [LoggerMessage(5004, LogLevel.Information, "Game server {Key} is gone, no longer allocatable or out of room before its allocation was written back; {Requests} request(s) will be decided again")]
    public static partial void Gone(ILogger logger, string key, int requests);

    [LoggerMessage(5005, LogLevel.Warning, "Write-back of {Key} failed, retrying: {Reason}")]
    public static partial void WriteBackFailed(ILogger logger, string key, string reason);

    [LoggerMessage(5006, LogLevel.Warning, "Write-back stopped: the lease of epoch {Epoch} is no longer ours; the next leader carries on from the outbox")]
    public static partial void WriteBackFenced(ILogger logger, long epoch);

    [LoggerMessage(5007, LogLevel.Warning, "{Count} allocation(s) reached Kubernetes after their caller's deadline; those game servers stay Allocated without that caller")]
    public static partial void LateAnswers(ILogger logger, long count);

    [LoggerMessage(5008, LogLevel.Warning, "Write-back pass interrupted, retrying: {Reason}")]
    public static partial void WriteBackStopped(ILogger logger, string reason);

    [LoggerMessage(5009, LogLevel.Information, "Kubernetes mode: {Scopes} watch(es), resuming from {Resumed} stored resourceVersion(s); {Pending} outbox entr(ies) to write back, {Held} answer(s) waiting; started in {Elapsed} ms")]
    public static partial void Resuming(ILogger logger, int scopes, int resumed, int pending, int held, long elapsed);

    [LoggerMessage(5011, LogLevel.Error, "Kubernetes refused the write-back of {Key}; its waiting callers get FAILED_PRECONDITION and its pending changes are dropped: {Reason}")]
    public static partial void Refused(ILogger logger, string key, string reason);

    [LoggerMessage(5012, LogLevel.Information, "Epoch {Epoch}: {Passes} write-back passes; per pass: {Entries:F1} outbox entries, {Servers:F1} game servers, {Ms:F1} ms")]
    public static partial void WriteBackStats(ILogger logger, long epoch, int passes, double entries, double servers, double ms);

    [LoggerMessage(5010, LogLevel.Warning, "Could not set the pod-deletion-cost of {Pod}: {Reason}")]
    public static partial void PodCostFailed(ILogger logger, string pod, string reason);

    // 5101 onwards: the real-cluster liveness and parity work (5013-5100 left for others).
    [LoggerMessage(5101, LogLevel.Warning, "Game server watch in {Namespace} brought nothing, not even a bookmark, for {Seconds:F0} s; resuming on a new connection")]
    public static partial void WatchSilent(ILogger logger, string @namespace, double seconds);

    [LoggerMessage(5102, LogLevel.Warning, "Could not record a Kubernetes Event on {Key} (events create; further failures this term are not logged): {Reason}")]
    public static partial void EventFailed(ILogger logger, string key, string reason);
}
