using Allocation.V1;
using Allocator.Queue.V1;

namespace Allocator.Service.Queue;

/// <summary>
/// How a partition has a (not multi-cluster) Allocate decided once the front has validated it:
/// the product queues it for the partition's leader (<see cref="QueuedAllocation"/>); the
/// benchmark's Agones-style comparator (<c>baseline-replica</c>) decides it in the replica.
/// </summary>
public interface ILocalAllocation
{
    Task<Outcome> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken);
}

/// <summary>The product: the request goes into the partition's request stream and its leader's answer comes back.</summary>
public sealed class QueuedAllocation(RequestSubmitter submitter) : ILocalAllocation
{
    public Task<Outcome> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        submitter.SubmitAllocationAsync(request, requestId, traceParent, deadline, cancellationToken);
}
