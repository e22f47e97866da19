namespace Allocator.Tests.Helm;

public class ChartRbacTests
{
    private static readonly string[] RbacKinds = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

    [Theory]
    [InlineData("defaults")]
    [InlineData("external-redis")]
    [InlineData("plaintext")]
    [InlineData("everything-set")]
    public void Standalone_mode_has_no_rbac_and_no_api_token(string scenario)
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios[scenario]);

        Assert.DoesNotContain(chart.Manifests, m => RbacKinds.Contains(m.Kind));
        Assert.Equal("false", Manifest.Text(chart.PodSpec, "automountServiceAccountToken"));
        Assert.Equal("standalone", chart.Env["Allocator__Inventory__Source"]);
        Assert.DoesNotContain("Allocator__Kubernetes__Namespaces", chart.Env.Keys);
    }

    [Fact]
    public void Kubernetes_mode_on_all_namespaces_uses_a_cluster_role()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["kubernetes-all-namespaces"]);

        Assert.Equal("kubernetes", chart.Env["Allocator__Inventory__Source"]);
        Assert.Equal("", chart.Env["Allocator__Kubernetes__Namespaces"]);
        Assert.Equal("true", Manifest.Text(chart.PodSpec, "automountServiceAccountToken"));

        var clusterRole = Assert.Single(chart.OfKind("ClusterRole"));
        var binding = Assert.Single(chart.OfKind("ClusterRoleBinding"));
        AssertBinds(chart, binding, "ClusterRole", clusterRole.Name!);
        AssertRules(GameServerRules, clusterRole);

        var podRole = Assert.Single(chart.OfKind("Role"));
        Assert.Equal(ChartRenderer.Namespace, podRole.Namespace);
        AssertRules(PodRules, podRole);
        AssertBinds(chart, Assert.Single(chart.OfKind("RoleBinding")), "Role", podRole.Name!);
        AssertAllRulesAreExpected(chart);
    }

    [Fact]
    public void Kubernetes_mode_on_listed_namespaces_uses_a_role_in_each()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["kubernetes-namespace-list"]);

        Assert.Equal("games,tournaments", chart.Env["Allocator__Kubernetes__Namespaces"]);
        Assert.Empty(chart.OfKind("ClusterRole"));
        Assert.Empty(chart.OfKind("ClusterRoleBinding"));

        // The release namespace "games" is one of the watched ones: it has both Roles.
        foreach (var ns in new[] { "games", "tournaments" })
        {
            var role = Assert.Single(chart.OfKind("Role"), r => r.Namespace == ns && SameRules(GameServerRules, r));
            AssertBinds(chart, Assert.Single(chart.OfKind("RoleBinding"), b => b.Namespace == ns && b.Text("roleRef", "name") == role.Name), "Role", role.Name!);
        }

        var podRole = Assert.Single(chart.OfKind("Role"), r => SameRules(PodRules, r));
        Assert.Equal(ChartRenderer.Namespace, podRole.Namespace);
        Assert.Equal(3, chart.OfKind("Role").Count());
        Assert.Equal(3, chart.OfKind("RoleBinding").Count());
        AssertAllRulesAreExpected(chart);
    }

    [Fact]
    public void Kubernetes_mode_without_rbac_creation_renders_none()
    {
        var chart = ChartRenderer.Render("--set", "inventory.source=kubernetes,rbac.create=false");

        Assert.DoesNotContain(chart.Manifests, m => RbacKinds.Contains(m.Kind));
        Assert.Equal("kubernetes", chart.Env["Allocator__Inventory__Source"]);
    }

    private static Dictionary<string, string[]> GameServerRules =>
        ChartExpectations.KubernetesModeRbac.Where(r => r.Key.StartsWith("agones.dev/", StringComparison.Ordinal) || r.Key == "events").ToDictionary();

    private static Dictionary<string, string[]> PodRules =>
        ChartExpectations.KubernetesModeRbac.Where(r => r.Key == "pods").ToDictionary();

    /// <summary>apiGroup/resource → verbs of a Role or ClusterRole (core group: resource alone).</summary>
    internal static Dictionary<string, string[]> Rules(Manifest role)
    {
        var rules = new Dictionary<string, string[]>();
        foreach (var rule in role.Items("rules"))
        {
            var verbs = Manifest.Strings(rule, "verbs").Order().ToArray();
            foreach (var group in Manifest.Strings(rule, "apiGroups"))
            foreach (var resource in Manifest.Strings(rule, "resources"))
            {
                var key = group == "" ? resource : $"{group}/{resource}";
                rules[key] = rules.TryGetValue(key, out var existing) ? [.. existing.Union(verbs).Order()] : verbs;
            }
        }

        return rules;
    }

    private static bool SameRules(Dictionary<string, string[]> expected, Manifest role)
    {
        var actual = Rules(role);
        return actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var v) && v.SequenceEqual(e.Value.Order()));
    }

    private static void AssertRules(Dictionary<string, string[]> expected, Manifest role)
    {
        var actual = Rules(role);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (resource, verbs) in expected)
            Assert.Equal(verbs.Order(), actual[resource]);
    }

    /// <summary>Every permission the chart grants is in the expected list, and every expected one is granted.</summary>
    private static void AssertAllRulesAreExpected(RenderedChart chart)
    {
        var granted = chart.Manifests.Where(m => m.Kind is "Role" or "ClusterRole").SelectMany(r => Rules(r))
            .GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.SelectMany(r => r.Value).Distinct().Order().ToArray());
        Assert.Equal(ChartExpectations.KubernetesModeRbac.Keys.Order(), granted.Keys.Order());
        foreach (var (resource, verbs) in ChartExpectations.KubernetesModeRbac)
            Assert.Equal(verbs.Order(), granted[resource]);
    }

    private static void AssertBinds(RenderedChart chart, Manifest binding, string roleKind, string roleName)
    {
        Assert.Equal(roleKind, binding.Text("roleRef", "kind"));
        Assert.Equal(roleName, binding.Text("roleRef", "name"));
        var subject = Assert.Single(binding.Items("subjects"));
        Assert.Equal("ServiceAccount", Manifest.Text(subject, "kind"));
        Assert.Equal(Manifest.Text(chart.PodSpec, "serviceAccountName"), Manifest.Text(subject, "name"));
        Assert.Equal(ChartRenderer.Namespace, Manifest.Text(subject, "namespace"));
        Assert.NotNull(chart.Find("ServiceAccount", Manifest.Text(subject, "name")!));
    }
}
