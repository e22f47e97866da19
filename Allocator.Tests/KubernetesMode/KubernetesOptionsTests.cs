using Allocator.Service.Hosting;

namespace Allocator.Tests.KubernetesMode;

public class KubernetesOptionsTests
{
    private static AllocatorOptions Kubernetes(Action<KubernetesOptions>? edit = null)
    {
        var options = new AllocatorOptions { Plaintext = true, Inventory = { Source = "kubernetes" }, Kubernetes = { Host = "http://127.0.0.1:6443" } };
        edit?.Invoke(options.Kubernetes);
        return options;
    }

    [Fact]
    public void Kubernetes_mode_with_a_host_and_namespaces_is_valid_and_watches_each_namespace_once()
    {
        var options = Kubernetes(k => k.Namespaces = "games, tournaments,games");
        Assert.Empty(options.Problems());
        Assert.Equal(["games", "tournaments"], options.Kubernetes.Scopes());
        Assert.Equal([null], Kubernetes().Kubernetes.Scopes());
    }

    [Fact]
    public void Bad_Kubernetes_settings_are_named()
    {
        var problems = Kubernetes(k =>
        {
            k.Host = "not a url";
            k.Namespaces = "Games_1";
            k.WriteBackConcurrency = 0;
        }).Problems().ToList();

        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:Host"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:Namespaces: 'Games_1'"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:WriteBackConcurrency"));
    }

    [Fact]
    public void Seeds_and_unknown_sources_are_refused()
    {
        var seeded = Kubernetes();
        seeded.Inventory.DemoFleet = "servers=10,nodes=1,capacity=4,counter=rooms,fleet=demo,namespace=default";
        Assert.Contains(seeded.Problems(), p => p.Contains("seeds are for stand-alone mode"));

        var unknown = new AllocatorOptions { Plaintext = true, Inventory = { Source = "consul" } };
        Assert.Contains(unknown.Problems(), p => p.StartsWith("Allocator:Inventory:Source: 'consul'"));
    }
}
