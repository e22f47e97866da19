using k8s;
using k8s.Models;

namespace Allocator.Service.Agones;

/// <summary>
/// The leader marks its own pod with <c>controller.kubernetes.io/pod-deletion-cost</c>, so a
/// scale-down (or the ReplicaSet of a rolling update) removes it last, and clears it when it
/// steps down. Needs POD_NAME and POD_NAMESPACE (downward API); without them it does nothing.
/// A failure is logged, never fatal: the cost only orders deletions. One instance per process:
/// marks and clears run in the order asked, so the clear of a term that just ended can never
/// land after the mark of the next.
/// </summary>
public sealed class LeaderPodCost(IKubernetes client, string? podNamespace, string? podName, int cost, ILogger log)
{
    public const string Annotation = "controller.kubernetes.io/pod-deletion-cost";

    private readonly object _gate = new();
    private Task _last = Task.CompletedTask;

    public static LeaderPodCost FromEnvironment(IKubernetes client, int cost, ILogger log) =>
        new(client, Environment.GetEnvironmentVariable("POD_NAMESPACE"), Environment.GetEnvironmentVariable("POD_NAME"), cost, log);

    public Task MarkAsync() => Then($"\"{cost}\"");

    public Task ClearAsync() => Then("null");

    private Task Then(string value)
    {
        lock (_gate) return _last = _last.ContinueWith(_ => PatchAsync(value), TaskScheduler.Default).Unwrap();
    }

    private async Task PatchAsync(string value)
    {
        if (string.IsNullOrEmpty(podName) || string.IsNullOrEmpty(podNamespace)) return;
        try
        {
            var patch = $"{{\"metadata\":{{\"annotations\":{{\"{Annotation}\":{value}}}}}}}";
            await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), podName, podNamespace);
        }
        catch (Exception e)
        {
            KubernetesLog.PodCostFailed(log, $"{podNamespace}/{podName}", e.Message);
        }
    }
}
