using Allocation.V1;

namespace Allocator.Service.MultiCluster;

/// <summary>One cluster's result: the allocation, or what it answered instead.</summary>
public readonly record struct ClusterAttempt(AllocationResponse? Allocation, ClusterAnswer? Answer)
{
    public static ClusterAttempt Allocated(AllocationResponse response) => new(response, null);

    public static ClusterAttempt Refused(ClusterAnswer answer) => new(null, answer);
}

/// <summary>What every cluster is given: the caller's request and id, its trace, and the time this cluster may take.</summary>
public sealed record ClusterCall(AllocationRequest Request, string RequestId, string TraceParent, DateTimeOffset Deadline);
