using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;

namespace Allocator.Tests.KubernetesApi;

/// <summary>
/// Two replicas of one fleet serving the aggregated API over TLS, as the Kubernetes API server
/// reaches them: <see cref="Mtls"/> also requires gRPC client certificates (another CA) and reads
/// the request-header CA from the fake API server's <c>extension-apiserver-authentication</c>
/// ConfigMap; <see cref="Authorizing"/> takes no gRPC client certificates, reads the CA from a file
/// and asks the fake API server a SubjectAccessReview per user.
/// </summary>
public sealed class AggregatedApiFixture : IAsyncLifetime
{
    public const string Fleet = "gsa";
    public const string Matchmaker = "system:serviceaccount:games:matchmaker";

    public TestCertificates Pki { get; } = new();
    public X509Certificate2 FrontProxyCa { get; } = TestCertificates.Authority("front-proxy-ca");
    public X509Certificate2 FrontProxy { get; private set; } = null!;
    public FakeKubernetesApi Kubernetes { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;
    public string Prefix { get; } = RedisServer.UniquePrefix("gsa");
    public ReplicaProcess Mtls { get; private set; } = null!;
    public ReplicaProcess Authorizing { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        FrontProxy = TestCertificates.Client("front-proxy-client", FrontProxyCa);
        Kubernetes = await FakeKubernetesApi.StartAsync();
        Kubernetes.PutRequestHeaderConfigMap(FrontProxyCa.ExportCertificatePem(), ["front-proxy-client"]);
        // The matchmaker's service account may allocate in "default", nobody else anywhere.
        Kubernetes.AccessRule = spec => (string?)spec["user"] == Matchmaker && (string?)spec["resourceAttributes"]!["namespace"] == "default"
            && (string?)spec["resourceAttributes"]!["verb"] == "create" && (string?)spec["resourceAttributes"]!["resource"] == "gameserverallocations"
            && (string?)spec["resourceAttributes"]!["group"] == "allocation.agones.dev";
        Redis = await RedisServer.GetAsync();
        var caFile = Path.Combine(Pki.Folder, "front-proxy-ca.crt");
        TestCertificates.WritePem(caFile, FrontProxyCa);

        string[] common =
        [
            "--Allocator:KubernetesApi:Enabled=true",
            $"--Allocator:Kubernetes:Host={Kubernetes.Url}",
            $"--Allocator:Inventory:DemoFleet=servers=6,nodes=2,capacity=4,counter=rooms,fleet={Fleet},namespace=default",
        ];
        var started = await Task.WhenAll(
            ReplicaProcess.StartAsync("gsa-mtls", Redis.ConnectionString, Prefix, [.. Pki.MutualTlsSettings, .. common]),
            ReplicaProcess.StartAsync("gsa-authz", Redis.ConnectionString, Prefix,
            [
                "--Allocator:Plaintext=false", $"--Allocator:Tls:CertificateFile={Pki.ServerCertificateFile}", $"--Allocator:Tls:KeyFile={Pki.ServerKeyFile}",
                .. common, $"--Allocator:KubernetesApi:RequestHeaderCaFile={caFile}", "--Allocator:KubernetesApi:AllowedNames=front-proxy-client",
                "--Allocator:KubernetesApi:Authorize=true",
            ]));
        (Mtls, Authorizing) = (started[0], started[1]);
        await Task.WhenAll(Mtls.WaitForLogAsync("request-header CA read from ConfigMap"), Authorizing.WaitForLogAsync("request-header CA read from"));
    }

    public async Task DisposeAsync()
    {
        await Mtls.DisposeAsync();
        await Authorizing.DisposeAsync();
        await Kubernetes.DisposeAsync();
        Pki.Dispose();
    }

    public KeyLayout Keys => new(Prefix);

    public Task<long> QueuedAsync() => Redis.Connection.GetDatabase().StreamLengthAsync(Keys.Requests);

    /// <summary>An HTTP client over TLS that trusts only the test CA and presents <paramref name="certificate"/> (if any).</summary>
    public HttpClient Http(X509Certificate2? certificate) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, server, _, _) => Pki.TrustsServer(server as X509Certificate2),
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
        },
    });

    /// <summary>
    /// The request kubectl's <c>create -f gsa.yaml</c> becomes once the API server has proxied it:
    /// its query, content type and user agent, and the front proxy's user and group headers.
    /// </summary>
    public static HttpRequestMessage KubectlCreate(ReplicaProcess replica, string ns, string body, string? user = Matchmaker)
    {
        var request = new HttpRequestMessage(HttpMethod.Post,
            $"https://127.0.0.1:{replica.Port}/apis/allocation.agones.dev/v1/namespaces/{ns}/gameserverallocations?fieldManager=kubectl-create&fieldValidation=Strict")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.UserAgent.ParseAdd("kubectl/v1.31.0 (linux/amd64) kubernetes/9edcffc");
        if (user is not null) request.Headers.Add("X-Remote-User", user);
        request.Headers.Add("X-Remote-Group", ["system:serviceaccounts", "system:authenticated"]);
        return request;
    }

    /// <summary>
    /// The real KubernetesClient pointed at a replica as the API server's proxy would be: over TLS
    /// with the front-proxy certificate, the user in <c>X-Remote-User</c>.
    /// </summary>
    public Kubernetes Client(ReplicaProcess replica, X509Certificate2? certificate = null, string user = Matchmaker)
    {
        var presented = certificate ?? FrontProxy;
        var configuration = new KubernetesClientConfiguration
        {
            Host = $"https://127.0.0.1:{replica.Port}",
            SslCaCerts = new X509Certificate2Collection(Pki.Ca),
            FirstMessageHandlerSetup = handler => handler.SslOptions.ClientCertificates = new X509CertificateCollection { presented },
        };
        return new Kubernetes(configuration, new ProxyHeaders(user));
    }

    public static JsonObject Allocation(string? name = null, string? uid = null, string? generateName = null) => new()
    {
        ["apiVersion"] = "allocation.agones.dev/v1",
        ["kind"] = "GameServerAllocation",
        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = uid, ["generateName"] = generateName },
        ["spec"] = new JsonObject
        {
            ["selectors"] = new JsonArray(
                new JsonObject
                {
                    ["matchLabels"] = new JsonObject { ["agones.dev/fleet"] = Fleet },
                    ["gameServerState"] = "Allocated",
                    ["counters"] = new JsonObject { ["rooms"] = new JsonObject { ["minAvailable"] = 1 } },
                },
                new JsonObject
                {
                    ["matchLabels"] = new JsonObject { ["agones.dev/fleet"] = Fleet },
                    ["counters"] = new JsonObject { ["rooms"] = new JsonObject { ["minAvailable"] = 1 } },
                }),
            ["scheduling"] = "Packed",
            ["counters"] = new JsonObject { ["rooms"] = new JsonObject { ["action"] = "Increment", ["amount"] = 1 } },
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["match"] = "m-1" } },
        },
    };

    /// <summary>What the API server's front proxy adds to every request it forwards.</summary>
    private sealed class ProxyHeaders(string user) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Add("X-Remote-User", user);
            request.Headers.Add("X-Remote-Group", "system:authenticated");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
