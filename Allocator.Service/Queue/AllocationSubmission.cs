using Allocation.V1;
using Allocator.Queue.V1;
using Google.Protobuf;

namespace Allocator.Service.Queue;

/// <summary>An Allocate request as the queue carries it: proto-JSON in the request stream, readable in <c>XRANGE</c>.</summary>
public static class AllocationSubmission
{
    public static Task<Outcome> SubmitAllocationAsync(this RequestSubmitter submitter, AllocationRequest request, string requestId, string traceParent,
        DateTimeOffset deadline, CancellationToken cancellationToken) =>
        submitter.SubmitAsync(RequestKind.Allocation, requestId, JsonFormatter.Default.Format(request), traceParent, deadline, cancellationToken);
}
