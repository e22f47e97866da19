using Allocator.Service.Agones;
using Allocator.Service.Inventory;

namespace Allocator.Tests.Agones;

public class KubernetesOptionsTests
{
    private static KubernetesOptions Kubernetes(Action<KubernetesOptions>? edit = null)
    {
        var options = new KubernetesOptions { Host = "http://127.0.0.1:6443" };
        edit?.Invoke(options);
        return options;
    }

    private static List<string> Problems(KubernetesOptions options) => new KubernetesOptionsValidator().Problems(options).ToList();

    private static List<string> Problems(InventoryOptions options) => new InventoryOptionsValidator().Problems(options).ToList();

    [Fact]
    public void Kubernetes_mode_with_a_host_and_namespaces_is_valid_and_watches_each_namespace_once()
    {
        var options = Kubernetes(k => k.Namespaces = "games, tournaments,games");
        Assert.Empty(Problems(options));
        Assert.Equal(["games", "tournaments"], options.Scopes());
        Assert.Equal([null], Kubernetes().Scopes());
    }

    [Fact]
    public void Bad_Kubernetes_settings_are_named()
    {
        var problems = Problems(Kubernetes(k =>
        {
            k.Host = "not a url";
            k.Namespaces = "Games_1";
            k.WriteBackConcurrency = 0;
        }));

        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:Host"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:Namespaces: 'Games_1'"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:Kubernetes:WriteBackConcurrency"));
    }

    [Fact]
    public void Seeds_and_unknown_sources_are_refused()
    {
        var seeded = new InventoryOptions { Source = "kubernetes", DemoFleet = "servers=10,nodes=1,capacity=4,counter=rooms,fleet=demo,namespace=default" };
        Assert.Contains(Problems(seeded), p => p.Contains("seeds are for stand-alone mode"));
        Assert.Contains(Problems(new InventoryOptions { Source = "consul" }), p => p.StartsWith("Allocator:Inventory:Source: 'consul'"));
    }
}
