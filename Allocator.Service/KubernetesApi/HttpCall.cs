using Grpc.Core;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// One Kubernetes API request as the gRPC call <see cref="Api.AllocationApi"/> serves, so a
/// GameServerAllocation takes exactly the path of <c>Allocate</c>: its request id (the
/// idempotency key), deadline, trace parent and cancellation travel as gRPC metadata would.
/// </summary>
public sealed class HttpCall(HttpContext http, string requestId, DateTime deadline) : ServerCallContext
{
    private readonly Metadata _headers = Headers(http, requestId);
    private readonly Metadata _trailers = [];

    protected override string MethodCore => "/allocation.AllocationService/Allocate";
    protected override string HostCore => http.Request.Host.Value ?? "";
    protected override string PeerCore => $"ipv4:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";
    protected override DateTime DeadlineCore => deadline;
    protected override Metadata RequestHeadersCore => _headers;
    protected override CancellationToken CancellationTokenCore => http.RequestAborted;
    protected override Metadata ResponseTrailersCore => _trailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("a Kubernetes API call does not start gRPC calls");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

    private static Metadata Headers(HttpContext http, string requestId)
    {
        var headers = new Metadata { { Api.CallSettings.RequestIdHeader, requestId } };
        var traceParent = http.Request.Headers["traceparent"].ToString();
        if (traceParent.Length > 0) headers.Add("traceparent", traceParent);
        return headers;
    }
}
