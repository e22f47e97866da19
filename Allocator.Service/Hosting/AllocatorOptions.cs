namespace Allocator.Service.Hosting;

/// <summary>
/// Settings of one replica, bound from the <c>Allocator</c> configuration section
/// (environment: <c>Allocator__Redis</c>, command line: <c>--Allocator:Redis=...</c>).
/// Defaults are documented in the README configuration table.
/// </summary>
public sealed class AllocatorOptions
{
    public const string Section = "Allocator";

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Redis { get; set; } = "127.0.0.1:6379";
    /// <summary>Redis ACL user (empty: the default user).</summary>
    public string RedisUser { get; set; } = "";
    /// <summary>Redis password; kept out of the configuration string so it can come from a Secret.</summary>
    public string RedisPassword { get; set; } = "";
    /// <summary>Connect to Redis over TLS.</summary>
    public bool RedisTls { get; set; }
    /// <summary>PEM file of the CA that signed Redis' certificate (empty: the system store).</summary>
    public string RedisCaFile { get; set; } = "";
    /// <summary>Address the ports listen on: <c>*</c> for every interface, or an IP address.</summary>
    public string ListenAddress { get; set; } = "*";
    /// <summary>gRPC and REST (<c>POST /gameserverallocation</c>); TLS unless <see cref="Plaintext"/>.</summary>
    public int Port { get; set; } = 8443;
    /// <summary>Plain HTTP/1.1: <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> (and REST when plaintext). 0 turns it off.</summary>
    public int OpsPort { get; set; } = 8080;
    /// <summary>Serve gRPC without TLS (h2c). Only for demos, tests and meshes that terminate TLS.</summary>
    public bool Plaintext { get; set; }
    public TlsOptions Tls { get; set; } = new();
    /// <summary>gRPC server reflection, so grpcurl and buf curl work without the proto files.</summary>
    public bool Reflection { get; set; } = true;
    public OtlpOptions Otlp { get; set; } = new();
    /// <summary>Hash tag shared by every key of this fleet: <c>{alloc}:requests</c> ...</summary>
    public string KeyPrefix { get; set; } = "alloc";
    /// <summary>Unique per replica; defaults to host name + process id.</summary>
    public string ReplicaId { get; set; } = "";
    /// <summary>App version advertised for version-aware hand-over.</summary>
    public string Version { get; set; } = "0.1.0";
    /// <summary>Whether this replica competes for leadership; false makes a front-only replica.</summary>
    public bool Lead { get; set; } = true;
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>How often a non-leader retries the lease (a released lease is tried at once).</summary>
    public TimeSpan LeaseRetry { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How often a replica refreshes its entry in {alloc}:members.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>A member whose heartbeat is older than this is gone (and pruned).</summary>
    public TimeSpan MemberTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a newer replica must have been ready before leadership moves to it.</summary>
    public TimeSpan SuccessorSettle { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Most entries the leader reads per stream per batch.</summary>
    public int BatchSize { get; set; } = 256;
    /// <summary>Safety poll when no wake-up arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Deadline of a call that sets none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Longest a call may wait, whatever its own deadline (Agones' API window).</summary>
    public TimeSpan MaxDeadline { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Calls waiting on this replica beyond which new ones are refused (UNAVAILABLE).</summary>
    public int MaxInFlight { get; set; } = 10_000;
    /// <summary>
    /// Grace period on SIGTERM: hand-over is immediate; this bounds how long in-flight calls
    /// may drain before the process exits (keep terminationGracePeriodSeconds above it).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);
    /// <summary>
    /// After SIGTERM, how long the ports stay open while readiness reports false, so that
    /// traffic stops arriving before they close (part of ShutdownTimeout).
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How long before the caller's deadline the front stops waiting and settles the call.</summary>
    public TimeSpan AnswerMargin { get; set; } = TimeSpan.FromMilliseconds(50);
    /// <summary>
    /// Longest the front waits on Redis when settling a call at its deadline; the front stops
    /// waiting for the leader this long (plus AnswerMargin) before the caller's deadline.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromMilliseconds(200);
    /// <summary>How long an answer stays retrievable by request id (idempotent retries).</summary>
    public TimeSpan ResultTtl { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// How long an error answer (no effect) stays: it fences a leader's late commit of a request
    /// its front gave up on, and re-answers lost replies; a retry after it is decided afresh.
    /// </summary>
    public TimeSpan ErrorResultTtl { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Commits kept in {alloc}:changes for followers to replay (approximate).</summary>
    public int ChangeLogLength { get; set; } = 10_000;
    /// <summary>How often a standby replica replays the change log into its warm copy.</summary>
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long acknowledged entries stay in the streams for inspection.</summary>
    public TimeSpan RequestHistory { get; set; } = TimeSpan.FromSeconds(60);
    public InventoryOptions Inventory { get; set; } = new();
    public KubernetesOptions Kubernetes { get; set; } = new();

    /// <summary>Every problem at once, each naming the setting to fix.</summary>
    public IEnumerable<string> Problems()
    {
        if (Port is < 1 or > 65535) yield return "Allocator:Port must be between 1 and 65535.";
        if (OpsPort is < 0 or > 65535 || OpsPort == Port) yield return "Allocator:OpsPort must be between 0 (off) and 65535, and differ from Allocator:Port.";
        if (ListenAddress != "*" && !System.Net.IPAddress.TryParse(ListenAddress, out _)) yield return "Allocator:ListenAddress must be * or an IP address.";
        if (!Plaintext) foreach (var problem in Tls.Problems()) yield return problem;
        if (!string.IsNullOrEmpty(RedisCaFile) && !File.Exists(RedisCaFile)) yield return $"Allocator:RedisCaFile: {RedisCaFile} does not exist.";
        if (!string.IsNullOrEmpty(Otlp.Endpoint) && !Uri.TryCreate(Otlp.Endpoint, UriKind.Absolute, out _)) yield return "Allocator:Otlp:Endpoint must be an absolute URL, e.g. http://otel-collector:4317.";
        if (string.IsNullOrWhiteSpace(Redis)) yield return "Allocator:Redis (Allocator__Redis) must name a Redis server, e.g. 127.0.0.1:6379.";
        if (string.IsNullOrWhiteSpace(KeyPrefix) || KeyPrefix.IndexOfAny(['{', '}', ' ']) >= 0) yield return "Allocator:KeyPrefix must be non-empty without braces or spaces.";
        if (LeaseTtl < TimeSpan.FromMilliseconds(100)) yield return "Allocator:LeaseTtl must be at least 100ms.";
        if (LeaseRetry <= TimeSpan.Zero) yield return "Allocator:LeaseRetry must be positive.";
        if (HeartbeatInterval <= TimeSpan.Zero) yield return "Allocator:HeartbeatInterval must be positive.";
        if (MemberTimeout < 2 * HeartbeatInterval) yield return "Allocator:MemberTimeout must be at least twice Allocator:HeartbeatInterval.";
        if (ChangeLogLength < 100) yield return "Allocator:ChangeLogLength must be at least 100.";
        if (FollowInterval <= TimeSpan.Zero) yield return "Allocator:FollowInterval must be positive.";
        if (BatchSize is < 1 or > 10_000) yield return "Allocator:BatchSize must be between 1 and 10000.";
        if (PollInterval <= TimeSpan.Zero) yield return "Allocator:PollInterval must be positive.";
        if (DefaultDeadline <= TimeSpan.Zero || DefaultDeadline > MaxDeadline) yield return "Allocator:DefaultDeadline must be positive and at most Allocator:MaxDeadline.";
        if (ShutdownTimeout < TimeSpan.FromSeconds(1)) yield return "Allocator:ShutdownTimeout must be at least 1s.";
        if (DrainDelay < TimeSpan.Zero || DrainDelay >= ShutdownTimeout) yield return "Allocator:DrainDelay must be between 0 and Allocator:ShutdownTimeout.";
        if (SettleTimeout <= TimeSpan.Zero) yield return "Allocator:SettleTimeout must be positive.";
        if (AnswerMargin + SettleTimeout >= DefaultDeadline) yield return "Allocator:AnswerMargin + Allocator:SettleTimeout must be below Allocator:DefaultDeadline.";
        if (AnswerMargin < TimeSpan.Zero || AnswerMargin >= DefaultDeadline) yield return "Allocator:AnswerMargin must be between 0 and Allocator:DefaultDeadline.";
        if (MaxInFlight < 1) yield return "Allocator:MaxInFlight must be at least 1.";
        if (ResultTtl < MaxDeadline) yield return "Allocator:ResultTtl must be at least Allocator:MaxDeadline, so a late reply can still be looked up.";
        if (ErrorResultTtl < TimeSpan.FromSeconds(1) || ErrorResultTtl > ResultTtl) yield return "Allocator:ErrorResultTtl must be between 1s and Allocator:ResultTtl.";
        if (RequestHistory < TimeSpan.Zero || RequestHistory > TimeSpan.FromDays(1)) yield return "Allocator:RequestHistory must be between 0 and 1 day.";
        foreach (var problem in Inventory.Problems()) yield return problem;
        if (Inventory.IsKubernetes) foreach (var problem in Kubernetes.Problems()) yield return problem;
    }
}

/// <summary>Server certificate and client authentication of the gRPC/REST port.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate (chain) of the server; re-read when the file changes.</summary>
    public string CertificateFile { get; set; } = "";
    /// <summary>PEM private key of the server certificate.</summary>
    public string KeyFile { get; set; } = "";
    /// <summary>PEM CA bundle that signs client certificates: set, every caller needs one (mTLS).</summary>
    public string ClientCaFile { get; set; } = "";

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(CertificateFile) || string.IsNullOrEmpty(KeyFile))
        {
            yield return "Allocator:Tls:CertificateFile and Allocator:Tls:KeyFile are required (or set Allocator:Plaintext=true to serve without TLS).";
            yield break;
        }

        foreach (var (name, path) in new[] { ("CertificateFile", CertificateFile), ("KeyFile", KeyFile), ("ClientCaFile", ClientCaFile) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path)) yield return $"Allocator:Tls:{name}: {path} does not exist.";
        }
    }
}

/// <summary>Trace export; spans are made whether or not they are exported (the trace parent rides in the stream).</summary>
public sealed class OtlpOptions
{
    /// <summary>OTLP endpoint, e.g. http://otel-collector:4317; empty exports nothing.</summary>
    public string Endpoint { get; set; } = "";
}

/// <summary>Stand-alone inventory seeding.</summary>
public sealed class InventoryOptions
{
    /// <summary>
    /// A generated fleet added by the first leader when missing, e.g.
    /// <c>servers=100,nodes=10,capacity=10,counter=rooms,fleet=demo,namespace=default</c>.
    /// </summary>
    public string DemoFleet { get; set; } = "";
    /// <summary>JSON file: an array of inventory GameServer objects (proto-JSON), added when missing.</summary>
    public string SeedFile { get; set; } = "";
    /// <summary>
    /// Where game servers come from: <c>standalone</c> (the inventory API and seeds) or
    /// <c>kubernetes</c> (the leader watches Agones GameServers and writes allocations back).
    /// </summary>
    public string Source { get; set; } = "standalone";

    public bool IsKubernetes => Source == "kubernetes";
    /// <summary>File holding the bearer token the inventory API requires (empty: open in plaintext mode, off over TLS).</summary>
    public string TokenFile { get; set; } = "";

    public IEnumerable<string> Problems()
    {
        string? problem = null;
        try
        {
            // Seed servers obey the inventory API's rules (names become Redis fields and change-log lines).
            problem = Allocator.Service.Inventory.FleetSeed.FromOptions(DemoFleet, SeedFile)
                .Select(s => Api.InventoryValidator.Validate(Allocator.Service.Inventory.GameServerMapping.ToProto(s), $"seed game server {s.Key}"))
                .FirstOrDefault(p => p is not null);
            if (problem is not null) problem = "Allocator:Inventory:SeedFile: " + problem;
        }
        catch (Exception e) when (e is FormatException or IOException or System.Text.Json.JsonException or Google.Protobuf.InvalidJsonException or InvalidOperationException or OverflowException)
        {
            problem = $"Allocator:Inventory:DemoFleet / Allocator:Inventory:SeedFile cannot be used: {e.Message}";
        }

        if (problem is not null) yield return problem;
        if (Source is not ("standalone" or "kubernetes")) yield return $"Allocator:Inventory:Source: '{Source}' is not a source; use 'standalone' or 'kubernetes'.";
        if (IsKubernetes && (DemoFleet.Length > 0 || SeedFile.Length > 0)) yield return "Allocator:Inventory:DemoFleet / SeedFile: seeds are for stand-alone mode; in Kubernetes mode game servers come from Agones.";
        if (TokenFile.Length > 0 && !File.Exists(TokenFile)) yield return $"Allocator:Inventory:TokenFile: {TokenFile} does not exist.";
    }
}

/// <summary>Kubernetes mode (Inventory:Source=kubernetes).</summary>
public sealed class KubernetesOptions
{
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
    /// <summary>Outbox entries (batches) written back per pass; their changes are coalesced per game server.</summary>
    public int WriteBackBatch { get; set; } = 256;
    /// <summary>Server-side timeout of one watch request; the watch then resumes from where it was.</summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary><c>controller.kubernetes.io/pod-deletion-cost</c> the leader puts on its own pod (POD_NAME, POD_NAMESPACE) so a scale-down removes it last.</summary>
    public int LeaderPodDeletionCost { get; set; } = 10_000;

    /// <summary>The watch scopes: namespace names, or a single null for all namespaces.</summary>
    public IReadOnlyList<string?> Scopes()
    {
        var names = Namespaces.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        return names.Count == 0 ? [null] : [.. names];
    }

    public IEnumerable<string> Problems()
    {
        if (Host.Length > 0 && !Uri.TryCreate(Host, UriKind.Absolute, out _)) yield return $"Allocator:Kubernetes:Host: '{Host}' is not an absolute URL.";
        if (Host.Length == 0 && !k8s.KubernetesClientConfiguration.IsInCluster() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG"))
            && !File.Exists(k8s.KubernetesClientConfiguration.KubeConfigDefaultLocation))
        {
            yield return "Allocator:Kubernetes:Host: not running in a cluster and no kubeconfig found; set the API server URL or KUBECONFIG.";
        }

        foreach (var ns in Scopes().OfType<string>().Where(n => !Api.Names.IsDnsLabel(n)))
        {
            yield return $"Allocator:Kubernetes:Namespaces: '{ns}' is not a namespace name.";
        }

        if (WriteBackConcurrency is < 1 or > 256) yield return "Allocator:Kubernetes:WriteBackConcurrency: must be 1..256.";
        if (WriteBackBatch is < 1 or > 10_000) yield return "Allocator:Kubernetes:WriteBackBatch: must be 1..10000.";
        if (WatchTimeout < TimeSpan.FromSeconds(1)) yield return "Allocator:Kubernetes:WatchTimeout: must be at least 1 s.";
    }
}
