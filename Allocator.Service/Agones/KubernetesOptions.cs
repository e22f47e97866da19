namespace Allocator.Service.Agones;

/// <summary>Kubernetes mode, <c>Inventory:Source=kubernetes</c> (section <c>Allocator:Kubernetes</c>).</summary>
public sealed class KubernetesOptions
{
    public const string Section = "Kubernetes";

    /// <summary>API server URL; empty: the in-cluster service account, else the local kubeconfig.</summary>
    public string Host { get; set; } = "";
    /// <summary>Comma-separated namespaces whose GameServers are watched; empty: all namespaces.</summary>
    public string Namespaces { get; set; } = "";
    /// <summary>
    /// Answer a session on an already Allocated server right after the Redis commit, before
    /// Kubernetes has it. Off: every answer waits for Kubernetes. A Ready server's move to
    /// Allocated always waits.
    /// </summary>
    public bool WriteBehind { get; set; } = true;
    /// <summary>GameServer patches in flight at once.</summary>
    public int WriteBackConcurrency { get; set; } = 16;
    /// <summary>Longest one write-back request (a GameServer read or patch) may take before it is given up and retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Outbox entries (batches) written back per pass; their changes are coalesced per game server.</summary>
    public int WriteBackBatch { get; set; } = 256;
    /// <summary>Server-side timeout of one watch request; the watch then resumes from where it was.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// A watch that brings nothing, not even a bookmark (the API server sends one about every
    /// minute), for this long is given up and resumed on a new connection: a black-holed
    /// connection otherwise hangs until the server-side timeout, which never arrives either.
    /// </summary>
    public TimeSpan WatchIdleTimeout { get; set; } = TimeSpan.FromSeconds(90);
    /// <summary><c>controller.kubernetes.io/pod-deletion-cost</c> the leader puts on its own pod (POD_NAME, POD_NAMESPACE) so a scale-down removes it last.</summary>
    public int LeaderPodDeletionCost { get; set; } = 10_000;

    /// <summary>Whether there is an API server to reach: <see cref="Host"/>, the in-cluster service account, or a kubeconfig.</summary>
    public bool HasApiServer => Host.Length > 0 || k8s.KubernetesClientConfiguration.IsInCluster()
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")) || File.Exists(k8s.KubernetesClientConfiguration.KubeConfigDefaultLocation);

    /// <summary>The watch scopes: namespace names, or a single null for all namespaces.</summary>
    public IReadOnlyList<string?> Scopes()
    {
        var names = Namespaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? [null] : [.. names];
    }
}

/// <summary>Registered only in Kubernetes mode: stand-alone replicas never look at these settings.</summary>
public sealed class KubernetesOptionsValidator : SettingsValidator<KubernetesOptions>
{
    public override IEnumerable<string> Problems(KubernetesOptions o)
    {
        if (o.Host.Length > 0 && !Uri.TryCreate(o.Host, UriKind.Absolute, out _)) yield return $"Allocator:Kubernetes:Host: '{o.Host}' is not an absolute URL.";
        if (!o.HasApiServer)
        {
            yield return "Allocator:Kubernetes:Host: not running in a cluster and no kubeconfig found; set the API server URL or KUBECONFIG.";
        }

        foreach (var ns in o.Scopes().OfType<string>().Where(n => !Api.Names.IsDnsLabel(n)))
        {
            yield return $"Allocator:Kubernetes:Namespaces: '{ns}' is not a namespace name.";
        }

        if (o.WriteBackConcurrency is < 1 or > 256) yield return "Allocator:Kubernetes:WriteBackConcurrency: must be 1..256.";
        if (o.WriteBackBatch is < 1 or > 10_000) yield return "Allocator:Kubernetes:WriteBackBatch: must be 1..10000.";
        if (o.WatchTimeout < TimeSpan.FromSeconds(1)) yield return "Allocator:Kubernetes:WatchTimeout: must be at least 1 s.";
        if (o.RequestTimeout < TimeSpan.FromMilliseconds(100)) yield return "Allocator:Kubernetes:RequestTimeout: must be at least 100 ms.";
        if (o.WatchIdleTimeout < TimeSpan.FromSeconds(1)) yield return "Allocator:Kubernetes:WatchIdleTimeout: must be at least 1 s.";
    }
}
