using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Tests.Agones;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Grpc.Core;

namespace Allocator.Tests.MultiCluster;

/// <summary>
/// A replica in Kubernetes mode reads its GameServerAllocationPolicies and the client Secret they
/// name from the (fake) API server, and falls over to another fleet of ours behind mTLS.
/// </summary>
public sealed class KubernetesPoliciesTests : IAsyncLifetime
{
    private readonly TestCertificates _pki = new();
    private FakeKubernetesApi _api = null!;
    private RedisServer _betaRedis = null!;
    private ReplicaProcess _beta = null!;
    private ReplicaProcess _alpha = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        _betaRedis = await RedisServer.StartOwnAsync();
        _beta = await ReplicaProcess.StartAsync("k8s-beta", _betaRedis.ConnectionString, RedisServer.UniquePrefix("k8s-beta"),
            [.. _pki.MutualTlsSettings, "--Allocator:Inventory:DemoFleet=servers=1,nodes=1,capacity=5,counter=rooms,fleet=fo,namespace=default"]);
        var (certificate, key) = TwoFleets.Pem(_pki.Client("alpha-allocator"));
        _api.PutSecret("default", "beta-client", new Dictionary<string, string> { ["tls.crt"] = certificate, ["tls.key"] = key });
        _api.PutPolicy(Policy("alpha", 1, "alpha", null, "k8s"));
        var redis = await RedisServer.GetAsync();
        _alpha = await ReplicaProcess.StartAsync("k8s-alpha", redis.ConnectionString, RedisServer.UniquePrefix("k8s-alpha"),
            KubernetesFleet.Settings(_api, "--Allocator:MultiCluster:Enabled=true", "--Allocator:MultiCluster:ClusterName=alpha"));
    }

    public async Task DisposeAsync()
    {
        await _alpha.DisposeAsync();
        await _beta.DisposeAsync();
        await _betaRedis.DisposeAsync();
        await _api.DisposeAsync();
        _pki.Dispose();
    }

    // The server CA travels in the policy here (serverCa), the client certificate in the Secret.
    private System.Text.Json.Nodes.JsonObject Policy(string name, int priority, string cluster, string[]? endpoints, string set) =>
        FakeKubernetesApi.AllocationPolicy("default", name, priority, 1, cluster, endpoints, "beta-client",
            labels: new Dictionary<string, string> { ["set"] = set }, serverCa: File.ReadAllText(_pki.CaFile));

    private static AllocationRequest Request(string set)
    {
        var request = SessionRequests.HighDensity("fo", "rooms");
        request.MultiClusterSetting = new MultiClusterSetting { Enabled = true, PolicySelector = new global::Allocation.V1.LabelSelector { MatchLabels = { ["set"] = set } } };
        return request;
    }

    [Fact]
    public async Task A_policy_added_in_Kubernetes_is_used_and_an_unusable_one_is_named_with_its_field()
    {
        var alone = await Assert.ThrowsAsync<RpcException>(() => _alpha.Allocation.AllocateAsync(Request("k8s")).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, alone.StatusCode);
        Assert.Contains("cluster alpha (local, policy alpha): ResourceExhausted", alone.Status.Detail);

        var endpoint = $"127.0.0.1:{_beta.Port}";
        _api.PutPolicy(Policy("beta", 2, "beta", [endpoint], "k8s"));
        AllocationResponse? allocated = null;
        await Until.TrueAsync(async () =>
        {
            try
            {
                allocated = await _alpha.Allocation.AllocateAsync(Request("k8s"));
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && !e.Status.Detail.Contains("cluster beta", StringComparison.Ordinal))
            {
                return false; // the watch has not brought the new policy yet
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                return false; // beta's first mTLS call can outlast its time on a busy machine
            }
        }, "an allocation from beta once its policy is watched", () => _alpha.Log);
        Assert.Equal((endpoint, "fo-00000", 1L), (allocated!.Source, allocated.GameServerName, allocated.Counters["rooms"].Count));

        // The CRD lets any string through as an endpoint; this one cannot be called.
        _api.PutPolicy(Policy("scheme", 1, "gamma", ["https://gamma.example"], "bad"));
        // Until the watch brings it no policy matches, also FAILED_PRECONDITION: wait for its own message.
        RpcException bad = null!;
        await Until.TrueAsync(async () =>
        {
            bad = await Assert.ThrowsAsync<RpcException>(() => _alpha.Allocation.AllocateAsync(Request("bad")).ResponseAsync);
            return bad.Status.Detail.Contains("cluster gamma", StringComparison.Ordinal);
        }, "the unusable policy answering for its cluster", () => _alpha.Log);
        Assert.Equal(StatusCode.FailedPrecondition, bad.StatusCode);
        Assert.Contains("GameServerAllocationPolicy default/scheme: spec.connectionInfo.allocationEndpoints[0]: 'https://gamma.example' is not host[:port]", bad.Status.Detail);
    }
}
