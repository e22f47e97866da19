using Allocator.Service.Api;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Allocation.V1;
using Allocator.Inventory.V1;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Allocator.Tests.Security;

/// <summary>mTLS on the gRPC/REST port, and the inventory API's own credential, against a real replica process.</summary>
public class TransportSecurityTests : IAsyncLifetime
{
    private const string Token = "inventory-secret-7f3c";
    private readonly TestCertificates _pki = new();
    private RedisServer _redis = null!;
    private ReplicaProcess _replica = null!;
    private string _prefix = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.GetAsync();
        _prefix = RedisServer.UniquePrefix(nameof(TransportSecurityTests));
        var tokenFile = Path.Combine(_pki.Folder, "inventory-token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        _replica = await ReplicaProcess.StartAsync("secure", _redis.ConnectionString, _prefix,
            [.. _pki.MutualTlsSettings, $"--Allocator:Inventory:TokenFile={tokenFile}"]);
    }

    public async Task DisposeAsync()
    {
        await _replica.DisposeAsync();
        _pki.Dispose();
    }

    private SocketsHttpHandler Handler(X509Certificate2? client, Action<string>? seen = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                var server = certificate as X509Certificate2;
                if (server is not null) seen?.Invoke(server.Thumbprint);
                return _pki.TrustsServer(server);
            },
            ClientCertificates = client is null ? null : new X509CertificateCollection { client },
        },
    };

    private GrpcChannel Channel(X509Certificate2? client) =>
        GrpcChannel.ForAddress($"https://127.0.0.1:{_replica.Port}", new GrpcChannelOptions { HttpHandler = Handler(client) });

    private static RegisterRequest Server(string name) => new()
    {
        GameServer = new Allocator.Inventory.V1.GameServer
        {
            Name = name,
            NodeName = "node-1",
            Address = "192.0.2.30",
            Labels = { ["agones.dev/fleet"] = "secure" },
            Counters = { ["rooms"] = new Counter { Capacity = 10 } },
        },
    };

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    [Fact]
    public async Task A_client_with_a_certificate_from_the_CA_allocates()
    {
        using var channel = Channel(_pki.Client("game-backend"));
        await new InventoryService.InventoryServiceClient(channel).RegisterAsync(Server("secure-1"), Bearer(Token));
        var allocated = await new AllocationService.AllocationServiceClient(channel).AllocateAsync(SessionRequests.HighDensity("secure", "rooms"));
        Assert.Equal("secure-1", allocated.GameServerName);
    }

    [Theory]
    [InlineData(false)] // no certificate at all
    [InlineData(true)]  // a certificate from a CA the server does not trust
    public async Task A_client_without_a_valid_certificate_is_refused_and_nothing_is_queued(bool strangerCertificate)
    {
        var keys = new KeyLayout(_prefix);
        var db = _redis.Connection.GetDatabase();
        var queuedBefore = await db.StreamLengthAsync(keys.Requests);

        using var channel = Channel(strangerCertificate ? _pki.Client("intruder", trusted: false) : null);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            new AllocationService.AllocationServiceClient(channel).AllocateAsync(SessionRequests.HighDensity("secure", "rooms")).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode); // the TLS handshake fails: no call reaches the service
        Assert.Equal(queuedBefore, await db.StreamLengthAsync(keys.Requests));
    }

    [Fact]
    public async Task An_allocate_only_client_cannot_change_the_inventory()
    {
        using var channel = Channel(_pki.Client("allocate-only"));
        var inventory = new InventoryService.InventoryServiceClient(channel);
        var missing = await Assert.ThrowsAsync<RpcException>(() => inventory.RegisterAsync(Server("fake-1")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => inventory.EndSessionAsync(new EndSessionRequest { Name = "secure-1", Counter = "rooms" }, Bearer("guess")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.False(await _redis.Connection.GetDatabase().HashExistsAsync(new KeyLayout(_prefix).GameServers, "default/fake-1"));
    }

    [Fact]
    public async Task REST_is_served_over_mutual_TLS_and_not_on_the_plain_ops_port()
    {
        using var http = new HttpClient(Handler(_pki.Client("rest-client")));
        using var tls = await http.PostAsync($"https://127.0.0.1:{_replica.Port}/gameserverallocation",
            new StringContent("""{"gameServerSelectors":[{"matchLabels":{"agones.dev/fleet":"nobody"}}]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, tls.StatusCode); // reached the service: nothing matches
        Assert.Equal(new Version(1, 1), tls.Version);

        using var plain = new HttpClient();
        using var ops = await plain.PostAsync($"http://127.0.0.1:{_replica.OpsPort}/gameserverallocation", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, ops.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync($"http://127.0.0.1:{_replica.OpsPort}/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_rotated_server_certificate_is_served_without_a_restart()
    {
        var rotated = _pki.RotateServer();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? served = null;
        while (DateTime.UtcNow < deadline)
        {
            // A new connection each time: the service re-reads changed files at most once a second.
            using var http = new HttpClient(Handler(_pki.Client("rotation"), s => served = s));
            await http.GetAsync($"https://127.0.0.1:{_replica.Port}/healthz");
            if (served == rotated.Thumbprint) break;
            await Task.Delay(200);
        }

        Assert.Equal(rotated.Thumbprint, served);
    }
}
