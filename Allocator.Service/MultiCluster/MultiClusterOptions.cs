using Allocator.Service.Inventory;
using Microsoft.Extensions.Options;

namespace Allocator.Service.MultiCluster;

/// <summary>Multi-cluster allocation (section <c>Allocator:MultiCluster</c>).</summary>
public sealed class MultiClusterOptions
{
    public const string Section = "MultiCluster";

    /// <summary>Serve <c>multiClusterSetting.enabled=true</c>; off, such calls answer UNIMPLEMENTED.</summary>
    public bool Enabled { get; set; }
    /// <summary>This cluster's name in the policies: a policy naming it is allocated here, through our own queue, even when it lists endpoints.</summary>
    public string ClusterName { get; set; } = "";
    /// <summary>
    /// JSON file of GameServerAllocationPolicies (a <c>GameServerAllocationPolicyList</c> or an
    /// array). Required stand-alone; in Kubernetes mode empty means the policies are watched
    /// through the Kubernetes API.
    /// </summary>
    public string PolicyFile { get; set; } = "";
    /// <summary>Stand-alone: directory with one sub-directory per policy <c>secretName</c>, holding <c>tls.crt</c>, <c>tls.key</c> and optionally <c>ca.crt</c>.</summary>
    public string SecretDirectory { get; set; } = "";
    /// <summary>Longest one cluster may take to answer (Agones' remote allocation timeout); the caller's deadline bounds it too.</summary>
    public TimeSpan ClusterTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool WatchesKubernetes(InventoryOptions inventory) => PolicyFile.Length == 0 && inventory.IsKubernetes;
}

public sealed class MultiClusterOptionsValidator(IOptions<InventoryOptions> inventory) : SettingsValidator<MultiClusterOptions>
{
    public override IEnumerable<string> Problems(MultiClusterOptions o)
    {
        if (!o.Enabled) yield break;
        if (o.ClusterTimeout < TimeSpan.FromMilliseconds(100)) yield return "Allocator:MultiCluster:ClusterTimeout: must be at least 100 ms.";
        if (o.SecretDirectory.Length > 0 && !Directory.Exists(o.SecretDirectory)) yield return $"Allocator:MultiCluster:SecretDirectory: {o.SecretDirectory} is not a directory.";
        if (o.PolicyFile.Length == 0)
        {
            if (!inventory.Value.IsKubernetes) yield return "Allocator:MultiCluster:PolicyFile: required when multi-cluster allocation is enabled stand-alone (in Kubernetes mode the policies are watched instead).";
            yield break;
        }

        if (!inventory.Value.IsKubernetes && o.SecretDirectory.Length == 0) yield return "Allocator:MultiCluster:SecretDirectory: required with a PolicyFile stand-alone (the client certificates named by the policies' secretName).";
        string? problem = null;
        try
        {
            problem = PolicyFile.Load(o.PolicyFile).Select(p => p.Problem).FirstOrDefault(p => p is not null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or PolicyFormatException)
        {
            problem = e.Message;
        }

        if (problem is not null) yield return $"Allocator:MultiCluster:PolicyFile: {o.PolicyFile}: {problem}";
    }
}
