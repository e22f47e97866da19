using System.Net;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>LIST and GET through the real client.</summary>
public class ListAndGetTests
{
    private static readonly Dictionary<string, (long, long)> Rooms = new() { ["rooms"] = (2, 10) };

    [Fact]
    public async Task List_returns_every_item_and_the_store_resource_version()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "b", counters: Rooms));
        api.Put(FakeKubernetesApi.GameServer("default", "a", counters: Rooms));
        api.Put(FakeKubernetesApi.GameServer("other", "c"));

        var all = (await client.CustomObjects.ListClusterCustomObjectAsync("agones.dev", "v1", "gameservers")).AsJson();
        var inDefault = (await client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers")).AsJson();

        Assert.Equal("GameServerList", all.GetProperty("kind").GetString());
        Assert.Equal("agones.dev/v1", all.GetProperty("apiVersion").GetString());
        Assert.Equal(api.ResourceVersion, all.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        Assert.Equal(["a", "b", "c"], all.GetProperty("items").EnumerateArray().Select(i => i.Name()));
        Assert.Equal(["a", "b"], inDefault.GetProperty("items").EnumerateArray().Select(i => i.Name()));
        Assert.Equal(2, inDefault.GetProperty("items")[0].Rooms());
        Assert.Equal(2, api.ListCalls);
    }

    [Fact]
    public async Task Every_write_bumps_one_global_resource_version()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var a = api.Put(FakeKubernetesApi.GameServer("default", "a"));
        var b = api.Put(FakeKubernetesApi.GameServer("default", "b"));
        var a2 = api.Mutate("default", "a", gs => gs["status"]!["state"] = "Allocated");

        var versions = new[] { a, b, a2 }.Select(o => long.Parse((string)o["metadata"]!["resourceVersion"]!)).ToList();
        Assert.True(versions[0] < versions[1] && versions[1] < versions[2]);
        Assert.Equal(versions[2].ToString(), api.ResourceVersion);
        Assert.Equal(a["metadata"]!["uid"]!.ToString(), a2["metadata"]!["uid"]!.ToString());
    }

    [Fact]
    public async Task Label_selector_and_paging_narrow_the_list()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        foreach (var name in new[] { "a", "b", "c" })
            api.Put(FakeKubernetesApi.GameServer("default", name, labels: new Dictionary<string, string> { ["agones.dev/fleet"] = name == "c" ? "other" : "f" }));

        var selected = (await client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers",
            labelSelector: "agones.dev/fleet=f")).AsJson();
        var first = (await client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers", limit: 2)).AsJson();
        var token = first.GetProperty("metadata").GetProperty("continue").GetString();
        var second = (await client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers",
            limit: 2, continueParameter: token)).AsJson();

        Assert.Equal(["a", "b"], selected.GetProperty("items").EnumerateArray().Select(i => i.Name()));
        Assert.Equal(["a", "b"], first.GetProperty("items").EnumerateArray().Select(i => i.Name()));
        Assert.Equal(["c"], second.GetProperty("items").EnumerateArray().Select(i => i.Name()));
        Assert.False(second.GetProperty("metadata").TryGetProperty("continue", out _));
    }

    [Fact]
    public async Task Get_returns_the_object_or_a_404_status()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();
        api.Put(FakeKubernetesApi.GameServer("default", "a", nodeName: "n7"));

        var found = (await client.CustomObjects.GetNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers", "a")).AsJson();
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.GetNamespacedCustomObjectAsync("agones.dev", "v1", "default", "gameservers", "nope"));

        Assert.Equal("n7", found.GetProperty("status").GetProperty("nodeName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("\"reason\":\"NotFound\"", missing.Response.Content);
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_status()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        using var client = api.Client();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ListNamespacedCustomObjectAsync("agones.dev", "v1", "default", "fleets"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("\"kind\":\"Status\"", error.Response.Content);
    }
}
