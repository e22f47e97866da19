namespace Allocator.Service.KubernetesApi;

internal static partial class KubernetesApiLog
{
    [LoggerMessage(7001, LogLevel.Information, "Kubernetes API: request-header CA read from {Origin}: {Cas} CA(s), allowed names {AllowedNames}, user headers {UserHeaders}, group headers {GroupHeaders}")]
    public static partial void RequestHeaderRead(ILogger logger, string origin, int cas, string allowedNames, string userHeaders, string groupHeaders);

    [LoggerMessage(7002, LogLevel.Warning, "Kubernetes API: request-header CA could not be read from {Origin} (the last good one stays in use; none yet: every front-proxy request is refused): {Reason}")]
    public static partial void RequestHeaderUnreadable(ILogger logger, string origin, string reason);

    [LoggerMessage(7003, LogLevel.Warning, "Kubernetes API: SubjectAccessReview failed, the request is refused with 503: {Reason}")]
    public static partial void ReviewFailed(ILogger logger, string reason);

    // Debug only: a line per call is a cost at load, and who allocated what is not for Info.
    [LoggerMessage(7004, LogLevel.Debug, "Kubernetes API: {Method} {Path} by {User}: {Status}")]
    public static partial void Answered(ILogger logger, string method, string path, string user, int status);
}
