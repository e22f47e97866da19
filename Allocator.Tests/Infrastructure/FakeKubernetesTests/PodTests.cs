using System.Net;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>Pods through the typed client: read, and the pod-deletion-cost annotation patch.</summary>
public class PodTests
{
    private const string DeletionCost = "controller.kubernetes.io/pod-deletion-cost";

    [Fact]
    public async Task A_merge_patch_sets_the_pod_deletion_cost_annotation()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.AddPod("default", "gs-1", nodeName: "n3");

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""{"metadata":{"annotations":{"DELETIONCOST":"10000"}}}""".Replace("DELETIONCOST", DeletionCost), V1Patch.PatchType.MergePatch),
            "gs-1", "default");
        var read = await client.CoreV1.ReadNamespacedPodAsync("gs-1", "default");

        Assert.Equal("10000", patched.Metadata.Annotations[DeletionCost]);
        Assert.Equal("10000", read.Metadata.Annotations[DeletionCost]);
        Assert.Equal("n3", read.Spec.NodeName);
        Assert.Equal("10000", (string)api.GetPod("default", "gs-1")!["metadata"]!["annotations"]![DeletionCost]!);
        Assert.Equal("PATCH", Assert.Single(api.Requests).Method);
    }

    [Fact]
    public async Task A_missing_pod_is_a_404()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("nope", "default"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("pods \\\"nope\\\" not found", error.Response.Content);
    }
}
