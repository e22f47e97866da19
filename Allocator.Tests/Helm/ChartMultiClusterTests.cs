namespace Allocator.Tests.Helm;

/// <summary>multiCluster.*: the settings, and the RBAC the policy watch and the client Secrets need, where the GameServers are.</summary>
public class ChartMultiClusterTests
{
    private static Dictionary<string, string[]> Expected =>
        ChartExpectations.KubernetesModeRbac.Where(r => r.Key != "pods").Concat(ChartExpectations.MultiClusterRbac).ToDictionary();

    private static void AssertRules(Manifest role)
    {
        var rules = ChartRbacTests.Rules(role);
        Assert.Equal(Expected.Keys.Order(), rules.Keys.Order());
        foreach (var (resource, verbs) in Expected) Assert.Equal(verbs.Order(), rules[resource]);
    }

    private static IReadOnlyList<string> SecretNames(Manifest role) =>
        Manifest.Strings(Assert.Single(role.Items("rules"), r => Manifest.Strings(r, "resources").Contains("secrets")), "resourceNames");

    [Fact]
    public void On_all_namespaces_the_cluster_role_adds_the_policy_watch_and_any_secret()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["kubernetes-multicluster"]);

        Assert.Equal("true", chart.Env["Allocator__MultiCluster__Enabled"]);
        Assert.Equal("eu-west", chart.Env["Allocator__MultiCluster__ClusterName"]);
        var clusterRole = Assert.Single(chart.OfKind("ClusterRole"));
        AssertRules(clusterRole);
        Assert.Empty(SecretNames(clusterRole));
        // The pod-deletion-cost Role is unchanged.
        Assert.Equal(["pods"], ChartRbacTests.Rules(Assert.Single(chart.OfKind("Role"))).Keys);
    }

    [Fact]
    public void On_listed_namespaces_each_role_adds_them_and_secret_names_narrow_the_secrets()
    {
        var chart = ChartRenderer.Render("--set", "inventory.source=kubernetes,multiCluster.enabled=true",
            "--set", "kubernetes.namespaces={games,tournaments},multiCluster.secretNames={eu-client,us-client}");

        Assert.DoesNotContain("Allocator__MultiCluster__ClusterName", chart.Env.Keys);
        foreach (var ns in new[] { "games", "tournaments" })
        {
            var role = Assert.Single(chart.OfKind("Role"), r => r.Namespace == ns && r.Name!.EndsWith("-gameservers", StringComparison.Ordinal));
            AssertRules(role);
            Assert.Equal(["eu-client", "us-client"], SecretNames(role));
        }
    }

    [Fact]
    public void Off_by_default_nothing_of_it_is_rendered()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["kubernetes-all-namespaces"]);

        Assert.DoesNotContain(chart.Env.Keys, k => k.StartsWith("Allocator__MultiCluster__", StringComparison.Ordinal));
        var rules = ChartRbacTests.Rules(Assert.Single(chart.OfKind("ClusterRole")));
        Assert.DoesNotContain("secrets", rules.Keys);
        Assert.DoesNotContain("multicluster.agones.dev/gameserverallocationpolicies", rules.Keys);
    }
}
