using Allocator.Service.Queue;
using Grpc.Core;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// A gRPC error of <c>Allocate</c> as the Status object the API server would send: the HTTP code
/// of the gRPC gateway (REST's own), and Kubernetes' reason for it. INVALID_ARGUMENT is a 422
/// with the field named as the GameServerAllocation names it; an overloaded replica is a 429
/// (retry with backoff), other UNAVAILABLE a 503.
/// </summary>
public static class CallStatus
{
    public static KubernetesStatus From(Status status, string name)
    {
        if (status.StatusCode == StatusCode.InvalidArgument) return KubernetesStatus.Invalid(name, [FieldPaths.Cause(status.Detail)]);
        if (status.StatusCode == StatusCode.Unavailable && status.Detail.StartsWith(RequestSubmitter.Overloaded, StringComparison.Ordinal))
        {
            return KubernetesStatus.TooManyRequests(status.Detail, retryAfterSeconds: 1);
        }

        var code = status.StatusCode switch
        {
            StatusCode.Cancelled => 499,
            StatusCode.NotFound => 404,
            StatusCode.AlreadyExists or StatusCode.Aborted => 409,
            StatusCode.PermissionDenied => 403,
            StatusCode.Unauthenticated => 401,
            StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
            StatusCode.ResourceExhausted => 429,
            StatusCode.Unimplemented => 501,
            StatusCode.Unavailable => 503,
            StatusCode.DeadlineExceeded => 504,
            _ => 500,
        };
        var reason = code switch
        {
            400 => "BadRequest",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "NotFound",
            409 => "Conflict",
            429 => "TooManyRequests",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            500 => "InternalError",
            _ => "",
        };
        return new KubernetesStatus(status.Detail, reason, code);
    }
}
