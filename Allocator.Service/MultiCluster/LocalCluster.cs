using Allocator.Service.Partitions;
using Allocator.Service.Queue;
using Grpc.Core;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// A policy that names this cluster (no endpoints, or <c>MultiCluster:ClusterName</c>) is allocated
/// through our own queue, as a plain request in the policy's namespace, as Agones allocates
/// locally. The first local attempt keeps the caller's request id, so a retry with the same
/// <c>x-request-id</c> gets the same answer; a second local policy (another namespace) gets its own.
/// </summary>
public sealed class LocalCluster(PartitionSet partitions)
{
    public const string Where = "local";

    public async Task<ClusterAttempt> AllocateAsync(AllocationPolicy policy, ClusterCall call, int localAttempt, CancellationToken cancellationToken)
    {
        var request = call.Request.Clone();
        request.MultiClusterSetting = null;
        request.Namespace = policy.Connection.Namespace;
        var id = localAttempt == 0 ? call.RequestId : $"{call.RequestId}:{policy.Connection.ClusterName}:{localAttempt}";
        var (partition, problem) = partitions.For(request);
        if (partition is null) return ClusterAttempt.Refused(new ClusterAnswer(policy, Where, StatusCode.InvalidArgument, problem!));
        var outcome = await partition.Submitter.SubmitAllocationAsync(request, id, call.TraceParent, call.Deadline, cancellationToken);
        return outcome is { Code: (int)StatusCode.OK, Allocation: { } allocation }
            ? ClusterAttempt.Allocated(allocation)
            : ClusterAttempt.Refused(new ClusterAnswer(policy, Where, (StatusCode)outcome.Code, outcome.Message));
    }
}
