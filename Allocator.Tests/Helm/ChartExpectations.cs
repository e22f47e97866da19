namespace Allocator.Tests.Helm;

/// <summary>What the chart must agree with, kept here rather than read from the chart.</summary>
internal static class ChartExpectations
{
    /// <summary>
    /// Every setting of the service (the <c>Allocator</c> section, README "Configuration"), as
    /// environment variable names. A name the chart renders outside this list is a typo or a
    /// setting the service does not have; add a setting here when the service gains one.
    /// </summary>
    public static readonly IReadOnlySet<string> KnownSettings = new[]
    {
        "Redis", "RedisUser", "RedisPassword", "RedisTls", "RedisCaFile", "MinReplicas", "ReplicaWait", "KeyPrefix", "ReplicaId", "Version", "Lead",
        "LeaseTtl", "LeaseRetry", "HeartbeatInterval", "MemberTimeout", "SuccessorSettle", "BatchSize", "PollInterval",
        "DefaultDeadline", "MaxDeadline", "MaxInFlight", "ShutdownTimeout", "DrainDelay", "AnswerMargin", "SettleTimeout",
        "ResultTtl", "ErrorResultTtl", "ChangeLogLength", "FollowInterval", "RequestHistory",
        "WarmStandbys", "StandbyHeadStart", "ListenAddress", "Port", "OpsPort", "Plaintext", "Reflection",
        "Tls__CertificateFile", "Tls__KeyFile", "Tls__ClientCaFile", "Tls__ClientCaDirectory",
        "Inventory__DemoFleet", "Inventory__SeedFile", "Inventory__TokenFile", "Inventory__Source",
        "Kubernetes__Namespaces", "Kubernetes__WriteBehind", "MultiCluster__Enabled", "MultiCluster__ClusterName", "Otlp__Endpoint",
        "KubernetesApi__Enabled", "KubernetesApi__RequestHeaderCaFile", "KubernetesApi__AllowedNames", "KubernetesApi__UsernameHeaders",
        "KubernetesApi__GroupHeaders", "KubernetesApi__Authorize", "KubernetesApi__AuthenticationRefresh", "KubernetesApi__AuthorizationTtl",
        "Partitions__Count", "Partitions__By",
    }.Select(s => "Allocator__" + s).ToHashSet(StringComparer.Ordinal);

    /// <summary>Settings that are maps: one variable per entry, named after its key (<c>Partitions:Table:arena</c>).</summary>
    public static readonly IReadOnlyList<string> KnownSettingMaps = ["Allocator__Partitions__Table__"];

    public static bool IsKnownSetting(string name) =>
        KnownSettings.Contains(name) || KnownSettingMaps.Any(m => name.StartsWith(m, StringComparison.Ordinal) && name.Length > m.Length);

    /// <summary>Environment variables the chart may set besides the settings above.</summary>
    public static readonly IReadOnlySet<string> OtherEnvironment = new HashSet<string>(StringComparer.Ordinal)
    {
        "POD_NAME", "POD_NAMESPACE", "Logging__Console__FormatterName",
    };

    /// <summary>
    /// The Kubernetes API permissions of Kubernetes mode, "apiGroup/resource" → verbs (core
    /// group: no prefix). This MUST match the calls Kubernetes mode makes: the GameServer watch
    /// and write-back in the watched namespaces, and the leader's pod-deletion-cost patch on its
    /// own pod (release namespace). Change the code, this list and the chart's
    /// allocator.rbac.* rules (helm/allocator/templates/_helpers.tpl) together.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> KubernetesModeRbac = new Dictionary<string, string[]>
    {
        // The write-back is one merge patch on the GameServer itself: Agones' CRD has no status subresource.
        ["agones.dev/gameservers"] = ["get", "list", "watch", "patch"],
        ["pods"] = ["patch"],
        // In the GameServers' namespaces, beside them: "Allocated" and action errors, as Agones records them.
        ["events"] = ["create"],
    };

    /// <summary>
    /// What multi-cluster allocation adds to <see cref="KubernetesModeRbac"/>, beside the
    /// GameServers: every replica's policy watch, and the GET of each client Secret a policy names.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> MultiClusterRbac = new Dictionary<string, string[]>
    {
        ["multicluster.agones.dev/gameserverallocationpolicies"] = ["list", "watch"],
        ["secrets"] = ["get"],
    };

    /// <summary>
    /// The Kubernetes API permissions of the aggregated API (kubernetesApi.*), apart from Kubernetes
    /// mode's: the request-header ConfigMap through the standard Role in kube-system, and, with
    /// kubernetesApi.authorize, SubjectAccessReviews. Change KubernetesApi/, this and the chart together.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> KubernetesApiRbac = new Dictionary<string, string[]>
    {
        ["authorization.k8s.io/subjectaccessreviews"] = ["create"],
    };

    /// <summary>Value sets every structural test renders (name → renderer arguments).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Scenarios = new Dictionary<string, string[]>
    {
        ["defaults"] = [],
        ["external-redis"] =
        [
            "--set", "redis-ha.enabled=false,externalRedis.host=redis.internal,externalRedis.port=6380,externalRedis.user=allocator",
            "--set", "externalRedis.existingSecret=redis-auth,externalRedis.existingSecretPasswordKey=password",
            "--set", "externalRedis.tls.enabled=true,externalRedis.tls.caSecret=redis-ca",
        ],
        ["external-sentinel"] =
        [
            "--set", "redis-ha.enabled=false,externalRedis.sentinel.endpoints={sentinel-0.redis:26379,sentinel-1.redis:26379}",
            "--set", "externalRedis.sentinel.serviceName=fleet,externalRedis.existingSecret=redis-auth,redisReplication.minReplicas=1",
        ],
        ["external-cluster"] =
        [
            "--set", "redis-ha.enabled=false,externalRedis.cluster.enabled=true,externalRedis.cluster.nodes={redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379}",
            "--set", "partitions.count=8,partitions.table.arena=3,redisReplication.minReplicas=1",
        ],
        ["kubernetes-all-namespaces"] = ["--set", "inventory.source=kubernetes"],
        ["kubernetes-namespace-list"] = ["--set", "inventory.source=kubernetes", "--set", "kubernetes.namespaces={games,tournaments}"],
        ["kubernetes-multicluster"] = ["--set", "inventory.source=kubernetes,multiCluster.enabled=true,multiCluster.clusterName=eu-west"],
        ["plaintext"] = ["--set", "tls.enabled=false"],
        ["kubernetes-api"] = ["--set", "kubernetesApi.enabled=true,kubernetesApi.authorize=true,kubernetesApi.apiService.create=true"],
        ["everything-set"] = ["-f", Path.Combine(ChartRenderer.RepositoryRoot, "Allocator.Tests", "Helm", "everything-values.yaml")],
    };

    public static IEnumerable<object[]> ScenarioNames => Scenarios.Keys.Select(k => new object[] { k });
}
