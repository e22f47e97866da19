using Allocation.V1;
using Allocator.Service.Queue;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.MultiCluster;

/// <summary>Serves <c>multiClusterSetting.enabled=true</c>.</summary>
public interface IMultiClusterAllocation
{
    /// <summary>The allocation of the first cluster that made one; otherwise an <see cref="RpcException"/> naming every cluster and its answer.</summary>
    Task<AllocationResponse> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken);
}

/// <summary>Multi-cluster allocation turned off (<c>MultiCluster:Enabled=false</c>).</summary>
public sealed class MultiClusterOff : IMultiClusterAllocation
{
    public Task<AllocationResponse> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken) =>
        throw new RpcException(new Status(StatusCode.Unimplemented,
            "multiClusterSetting.enabled: multi-cluster allocation is not enabled on this allocator (Allocator:MultiCluster:Enabled)"));
}

/// <summary>
/// Agones' multi-cluster allocation: the policies of the request's namespace that
/// <c>multiClusterSetting.policySelector</c> matches, tried in <see cref="ClusterOrder"/>; this
/// cluster through our own queue, others through their allocators. The first allocation wins; a
/// cluster with no room, unreachable or misconfigured passes the call to the next, and when none
/// allocates the caller is told what each answered. Every cluster gets what is left of the
/// caller's deadline, at most <c>MultiCluster:ClusterTimeout</c>.
/// </summary>
public sealed class MultiClusterAllocation(
    IPolicyCatalog catalog,
    LocalCluster local,
    RemoteCluster remote,
    IOptions<MultiClusterOptions> options,
    IOptions<QueueOptions> queue,
    Random random,
    TimeProvider time,
    ILogger<MultiClusterAllocation> log) : IMultiClusterAllocation
{
    public async Task<AllocationResponse> AllocateAsync(AllocationRequest request, string requestId, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var ns = request.Namespace.Length > 0 ? request.Namespace : "default";
        var answerBy = deadline - queue.Value.AnswerMargin;
        var order = await OrderAsync(request, ns, answerBy, cancellationToken);
        var answers = new ClusterAnswers(ns);
        var localAttempts = 0;
        foreach (var policy in order)
        {
            var now = time.GetUtcNow();
            if (now >= answerBy)
            {
                answers.NotTried(policy);
                continue;
            }

            var clusterDeadline = Min(now + options.Value.ClusterTimeout, IsLocal(policy) ? deadline : answerBy);
            var call = new ClusterCall(request, requestId, traceParent, clusterDeadline);
            var attempt = policy.Problem is { } problem ? RemoteCluster.Refused(policy, "policy", problem)
                : IsLocal(policy) ? await local.AllocateAsync(policy, call, localAttempts++, cancellationToken)
                : await remote.AllocateAsync(policy, call, cancellationToken);
            if (attempt.Allocation is { } allocation) return allocation;
            answers.Add(attempt.Answer!);
            MultiClusterLog.ClusterDeclined(log, requestId, attempt.Answer!.ToString());
        }

        throw answers.ToException();
    }

    /// <summary>A policy for this cluster: no endpoints (as in Agones), or our configured cluster name.</summary>
    public bool IsLocal(AllocationPolicy policy) =>
        (policy.Connection.Endpoints.Count == 0 && policy.Problem is null)
        || (options.Value.ClusterName.Length > 0 && policy.Connection.ClusterName == options.Value.ClusterName);

    private async Task<IReadOnlyList<AllocationPolicy>> OrderAsync(AllocationRequest request, string ns, DateTimeOffset answerBy, CancellationToken cancellationToken)
    {
        IReadOnlyList<AllocationPolicy> policies;
        using (var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            patience.CancelAfter(Max(answerBy - time.GetUtcNow(), TimeSpan.Zero));
            try
            {
                policies = await catalog.InNamespaceAsync(ns, patience.Token);
            }
            catch (ClusterSetupException e)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "multi-cluster allocation: " + e.Message));
            }
        }

        var selector = request.MultiClusterSetting.PolicySelector?.MatchLabels ?? new Google.Protobuf.Collections.MapField<string, string>();
        var described = selector.Count == 0 ? "(any)" : string.Join(",", selector.Select(l => $"{l.Key}={l.Value}"));
        var matching = policies.Where(p => p.Matches(selector)).ToList();
        if (matching.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"multiClusterSetting.policySelector: no {PolicyJson.Kind} in namespace {ns} matches {described}"));
        }

        var order = ClusterOrder.Of(matching, random);
        if (order.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"multiClusterSetting.policySelector: every {PolicyJson.Kind} in namespace {ns} matching {described} has weight 0 ({string.Join(", ", matching.Select(p => p.Name))}); a cluster of weight 0 is never tried"));
        }

        return order;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
