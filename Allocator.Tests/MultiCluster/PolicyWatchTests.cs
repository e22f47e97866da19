using Allocator.Service.Agones;
using Allocator.Service.MultiCluster;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Allocator.Tests.MultiCluster;

/// <summary>
/// Kubernetes mode's policies and Secrets, against the fake API server through the real
/// KubernetesClient: one list, then the watch; a resume without relisting; a relist after 410 Gone.
/// </summary>
public sealed class PolicyWatchTests : IAsyncLifetime
{
    private FakeKubernetesApi _api = null!;
    private k8s.Kubernetes _client = null!;
    private PolicyWatch _watch = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        // Bookmarks keep a quiet watch alive well within its 2 s idle bound.
        _api.BookmarkInterval = TimeSpan.FromMilliseconds(300);
        _client = _api.Client();
        _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("games", "local", 1, 1, "here"));
        _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("other", "elsewhere", 1, 1, "there", ["there.example"], "client"));
        _watch = new PolicyWatch(_client, [null], new WatchLimits(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(2)), TimeProvider.System, NullLogger<PolicyWatch>.Instance);
        await _watch.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _watch.StopAsync(CancellationToken.None);
        _watch.Dispose();
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private async Task<List<string>> NamesAsync(string ns) =>
        [.. (await _watch.InNamespaceAsync(ns, CancellationToken.None)).Select(p => $"{p.Name}:{p.Priority}").Order()];

    private Task UntilAsync(string ns, params string[] expected) =>
        Until.TrueAsync(async () => (await NamesAsync(ns)).SequenceEqual(expected), $"policies of {ns} = {string.Join(",", expected)}",
            () => string.Join(",", NamesAsync(ns).Result));

    [Fact]
    public async Task Policies_are_listed_once_then_followed_by_namespace_through_the_watch()
    {
        Assert.Equal(["local:1"], await NamesAsync("games"));
        Assert.Equal(["elsewhere:1"], await NamesAsync("other"));
        await _api.WaitForWatchesAsync();

        _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("games", "remote", 2, 3, "far", ["far.example:8443"], "client"));
        _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("games", "local", 4, 1, "here"));
        _api.DeletePolicy("other", "elsewhere");
        await UntilAsync("games", "local:4", "remote:2");
        await UntilAsync("other");
        Assert.Equal(1, _api.ListCalls);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_without_a_relist_and_an_expired_one_relists()
    {
        await _api.WaitForWatchesAsync();
        _api.DropWatches();
        _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("games", "after-drop", 2, 1, "b"));
        await UntilAsync("games", "after-drop:2", "local:1");
        Assert.Equal(1, _api.ListCalls);

        // The watch hears nothing while the change it missed leaves the history: it gives up at its
        // idle bound, resumes from its old resourceVersion, gets 410 and lists again.
        await _api.WaitForWatchesAsync();
        _api.SilenceWatches();
        _api.DeletePolicy("games", "after-drop");
        _api.Compact();
        await UntilAsync("games", "local:1");
        Assert.Equal(2, _api.ListCalls);
    }

    [Fact]
    public void The_CRD_schema_refuses_a_negative_priority_as_the_API_server_does()
    {
        var e = Assert.Throws<ApiException>(() => _api.PutPolicy(FakeKubernetesApi.AllocationPolicy("games", "negative", -1, 1, "x")));
        Assert.Equal(422, e.Code);
        Assert.Contains("spec.priority", e.Message);
    }

    [Fact]
    public async Task A_client_secret_is_read_from_the_policys_namespace_and_a_missing_one_is_named()
    {
        _api.PutSecret("games", "client", new Dictionary<string, string> { ["tls.crt"] = "CERT", ["tls.key"] = "KEY", ["ca.crt"] = "CA" });
        _api.PutSecret("games", "half", new Dictionary<string, string> { ["tls.crt"] = "CERT" });
        var secrets = new KubernetesSecrets(_client, TimeProvider.System);
        Assert.Equal(new ClientCredentials("CERT", "KEY", "CA"), await secrets.GetAsync("games", "client", CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ClusterSetupException>(() => secrets.GetAsync("other", "client", CancellationToken.None));
        Assert.Equal("secret other/client does not exist", missing.Message);
        var half = await Assert.ThrowsAsync<ClusterSetupException>(() => secrets.GetAsync("games", "half", CancellationToken.None));
        Assert.Equal("secret games/half has no tls.key (the client certificate and key)", half.Message);
    }
}
