using k8s;
using k8s.Models;

namespace Allocator.Service.Agones;

/// <summary>
/// The leader marks its own pod with <c>controller.kubernetes.io/pod-deletion-cost</c>, so a
/// scale-down (or the ReplicaSet of a rolling update) removes it last, and clears it when it
/// steps down. Needs POD_NAME and POD_NAMESPACE (downward API); without them it does nothing.
/// A failure is logged, never fatal: the cost only orders deletions.
/// </summary>
public sealed class LeaderPodCost(IKubernetes client, string? podNamespace, string? podName, int cost, ILogger log)
{
    public const string Annotation = "controller.kubernetes.io/pod-deletion-cost";

    public static LeaderPodCost FromEnvironment(IKubernetes client, int cost, ILogger log) =>
        new(client, Environment.GetEnvironmentVariable("POD_NAMESPACE"), Environment.GetEnvironmentVariable("POD_NAME"), cost, log);

    public Task MarkAsync(CancellationToken cancellationToken) => PatchAsync($"\"{cost}\"", cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken) => PatchAsync("null", cancellationToken);

    private async Task PatchAsync(string value, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(podName) || string.IsNullOrEmpty(podNamespace)) return;
        try
        {
            var patch = $"{{\"metadata\":{{\"annotations\":{{\"{Annotation}\":{value}}}}}}}";
            await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), podName, podNamespace, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            KubernetesLog.PodCostFailed(log, $"{podNamespace}/{podName}", e.Message);
        }
    }
}
