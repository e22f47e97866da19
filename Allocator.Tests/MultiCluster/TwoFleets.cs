using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;

namespace Allocator.Tests.MultiCluster;

/// <summary>
/// Two fleets of ours, each with its own Redis and replicas: "alpha" (two plaintext replicas, the
/// callers' side, multi-cluster on, policies from a file) and "beta" (one replica behind mTLS, as
/// Agones' allocator is called). Alpha holds the client certificate for beta in its secret
/// directory; its policies prefer itself (priority 1), then beta (priority 2). Both run a demo
/// fleet "fo": alpha one server with one session, beta one server with two.
/// </summary>
public sealed class TwoFleets : IAsyncLifetime
{
    public const string SecretName = "beta-client";
    private readonly TestCertificates _pki = new();
    private RedisServer _betaRedis = null!;

    public ReplicaGroup Alpha { get; private set; } = null!;
    public ReplicaGroup Beta { get; private set; } = null!;
    public RedisServer BetaRedis => _betaRedis;
    public string BetaPrefix { get; } = RedisServer.UniquePrefix("beta");
    /// <summary>A loopback port nothing listens on: an unreachable cluster.</summary>
    public int ClosedPort { get; } = RedisServer.FreePort();
    public string BetaEndpoint => $"127.0.0.1:{Beta[0].Port}";

    public async Task InitializeAsync()
    {
        var alphaRedis = await RedisServer.GetAsync();
        _betaRedis = await RedisServer.StartOwnAsync();
        Beta = await ReplicaGroup.StartAsync(_betaRedis, BetaPrefix, 1, "beta-",
            [.. _pki.MutualTlsSettings, "--Allocator:Inventory:DemoFleet=servers=1,nodes=1,capacity=2,counter=rooms,fleet=fo,namespace=default"]);

        var secrets = Path.Combine(_pki.Folder, "secrets");
        WriteClientSecret(Path.Combine(secrets, SecretName), _pki.Client("alpha-allocator"), File.ReadAllText(_pki.CaFile));
        var policies = Path.Combine(_pki.Folder, "policies.json");
        File.WriteAllText(policies, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. Policies()]) }.ToJsonString());
        Alpha = await ReplicaGroup.StartAsync(alphaRedis, RedisServer.UniquePrefix("alpha"), 2, "alpha-",
            "--Allocator:Inventory:DemoFleet=servers=1,nodes=1,capacity=1,counter=rooms,fleet=fo,namespace=default",
            "--Allocator:MultiCluster:Enabled=true", "--Allocator:MultiCluster:ClusterName=alpha",
            // As the replicas' 30 s default deadline: beta's first call (a TLS handshake, a cold
            // path) must not fail on time while the rest of the suite shares the machine.
            "--Allocator:MultiCluster:ClusterTimeout=00:00:30",
            $"--Allocator:MultiCluster:PolicyFile={policies}", $"--Allocator:MultiCluster:SecretDirectory={secrets}");
    }

    /// <summary>Three policy sets, told apart by the label "set": fall-over to beta, to an unreachable cluster, to a cluster whose secret is missing.</summary>
    private IEnumerable<JsonNode> Policies()
    {
        // Alpha's own policy lists an endpoint, as one policy set shared by every cluster would;
        // MultiCluster:ClusterName=alpha makes it local.
        yield return Policy("alpha", 1, "alpha", ["alpha.invalid"], "fallover");
        yield return Policy("beta", 2, "beta", [BetaEndpoint], "fallover");
        yield return Policy("alpha-first", 1, "alpha", null, "unreachable");
        yield return Policy("gone", 2, "gamma", [$"127.0.0.1:{ClosedPort}"], "unreachable");
        yield return Policy("alpha-again", 1, "alpha", null, "nosecret");
        yield return FakeKubernetesApi.AllocationPolicy("default", "no-secret", 2, 1, "delta", [BetaEndpoint], "missing",
            labels: new Dictionary<string, string> { ["set"] = "nosecret" });
    }

    private static JsonObject Policy(string name, int priority, string cluster, string[]? endpoints, string set) =>
        FakeKubernetesApi.AllocationPolicy("default", name, priority, 1, cluster, endpoints, SecretName, labels: new Dictionary<string, string> { ["set"] = set });

    /// <summary>tls.crt, tls.key and ca.crt, as a mounted Agones client Secret.</summary>
    public static void WriteClientSecret(string folder, X509Certificate2 client, string ca)
    {
        Directory.CreateDirectory(folder);
        var (certificate, key) = Pem(client);
        File.WriteAllText(Path.Combine(folder, "tls.crt"), certificate);
        File.WriteAllText(Path.Combine(folder, "tls.key"), key);
        File.WriteAllText(Path.Combine(folder, "ca.crt"), ca);
    }

    /// <summary>A client certificate and its key as PEM, as a Secret holds them.</summary>
    public static (string Certificate, string Key) Pem(X509Certificate2 client) =>
        (client.ExportCertificatePem(), client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    public async Task DisposeAsync()
    {
        if (Alpha is not null) await Alpha.DisposeAsync();
        if (Beta is not null) await Beta.DisposeAsync();
        if (_betaRedis is not null) await _betaRedis.DisposeAsync();
        _pki.Dispose();
    }
}
