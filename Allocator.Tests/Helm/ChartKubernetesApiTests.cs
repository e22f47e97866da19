using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Allocator.Tests.Helm;

/// <summary>kubernetesApi.*: the aggregated API allocation.agones.dev/v1, its APIService and the RBAC it needs.</summary>
public class ChartKubernetesApiTests
{
    private const string ApiServiceName = "v1.allocation.agones.dev";

    [Fact]
    public void Off_by_default_nothing_of_it_is_rendered()
    {
        var chart = ChartRenderer.Render();

        Assert.Empty(chart.OfKind("APIService"));
        Assert.DoesNotContain(chart.Manifests, m => m.Namespace == "kube-system");
        Assert.DoesNotContain(chart.Env.Keys, k => k.StartsWith("Allocator__KubernetesApi__", StringComparison.Ordinal));
    }

    [Fact]
    public void Enabled_it_reads_the_request_header_CA_through_the_standard_role_and_asks_no_reviews()
    {
        var chart = ChartRenderer.Render("--set", "kubernetesApi.enabled=true");

        Assert.Equal("true", chart.Env["Allocator__KubernetesApi__Enabled"]);
        Assert.Equal("false", chart.Env["Allocator__KubernetesApi__Authorize"]);
        Assert.Equal("true", Manifest.Text(chart.PodSpec, "automountServiceAccountToken"));
        var reader = Assert.Single(chart.OfKind("RoleBinding"));
        Assert.Equal("kube-system", reader.Namespace);
        Assert.Equal(("Role", "extension-apiserver-authentication-reader"), (reader.Text("roleRef", "kind"), reader.Text("roleRef", "name")));
        AssertBindsPods(chart, reader);
        Assert.Empty(chart.OfKind("ClusterRole"));
        Assert.Empty(chart.OfKind("APIService"));
    }

    [Fact]
    public void With_its_APIService_the_API_server_routes_the_group_to_the_Service_and_trusts_the_generated_CA()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["kubernetes-api"]);

        var apiService = chart.Single("APIService", ApiServiceName);
        Assert.Equal("apiregistration.k8s.io/v1", apiService.ApiVersion);
        Assert.Equal(("allocation.agones.dev", "v1"), (apiService.Text("spec", "group"), apiService.Text("spec", "version")));
        var service = chart.Single("Service", chart.FullName);
        Assert.Equal(chart.FullName, apiService.Text("spec", "service", "name"));
        Assert.Equal(ChartRenderer.Namespace, apiService.Text("spec", "service", "namespace"));
        Assert.Equal(Manifest.Text(Assert.Single(service.Items("spec", "ports")), "port"), apiService.Text("spec", "service", "port"));
        Assert.Null(apiService.Text("spec", "insecureSkipTLSVerify"));

        // The API server checks the serving certificate with the CA that signed it.
        var server = chart.Single("Secret", chart.FullName + "-tls");
        Assert.Equal(server.Text("data", "ca.crt"), apiService.Text("spec", "caBundle"));
        using var ca = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(apiService.Text("spec", "caBundle")!)));
        using var serving = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(server.Text("data", "tls.crt")!)));
        Assert.Equal(ca.Subject, serving.Issuer);
        Assert.True(serving.MatchesHostname($"{chart.FullName}.{ChartRenderer.Namespace}.svc"), "the APIService reaches the Service by <name>.<namespace>.svc");

        // authorize: exactly create on subjectaccessreviews, bound to the pods' ServiceAccount.
        var role = Assert.Single(chart.OfKind("ClusterRole"));
        var rules = role.Items("rules").ToList();
        var rule = Assert.Single(rules);
        Assert.Equal(ChartExpectations.KubernetesApiRbac.Keys.Single(), $"{Manifest.Strings(rule, "apiGroups").Single()}/{Manifest.Strings(rule, "resources").Single()}");
        Assert.Equal(ChartExpectations.KubernetesApiRbac.Values.Single(), Manifest.Strings(rule, "verbs"));
        var binding = Assert.Single(chart.OfKind("ClusterRoleBinding"));
        Assert.Equal(role.Name, binding.Text("roleRef", "name"));
        AssertBindsPods(chart, binding);
        Assert.Equal("true", chart.Env["Allocator__KubernetesApi__Authorize"]);
    }

    [Fact]
    public void With_a_certificate_of_yours_the_CA_bundle_is_given_or_injected()
    {
        var pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        var given = ChartRenderer.Render("--set", "kubernetesApi.enabled=true,kubernetesApi.apiService.create=true,tls.existingSecret=allocator-cert",
            "--set-string", $"kubernetesApi.apiService.caBundle={pem}");
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(pem)), given.Single("APIService", ApiServiceName).Text("spec", "caBundle"));

        var injected = ChartRenderer.Render("--set", "kubernetesApi.enabled=true,kubernetesApi.apiService.create=true,tls.existingSecret=allocator-cert",
            "--set", "kubernetesApi.apiService.annotations.cert-manager\\.io/inject-ca-from=games/allocator");
        var apiService = injected.Single("APIService", ApiServiceName);
        Assert.Null(apiService.Text("spec", "caBundle"));
        Assert.Equal("games/allocator", apiService.Text("metadata", "annotations", "cert-manager.io/inject-ca-from"));
    }

    [Fact]
    public void Allowed_names_become_one_setting()
    {
        var chart = ChartRenderer.Render("--set", "kubernetesApi.enabled=true,kubernetesApi.allowedNames={front-proxy-client,aggregator}");
        Assert.Equal("front-proxy-client,aggregator", chart.Env["Allocator__KubernetesApi__AllowedNames"]);
    }

    private static void AssertBindsPods(RenderedChart chart, Manifest binding)
    {
        var subject = Assert.Single(binding.Items("subjects"));
        Assert.Equal(("ServiceAccount", Manifest.Text(chart.PodSpec, "serviceAccountName"), ChartRenderer.Namespace),
            (Manifest.Text(subject, "kind"), Manifest.Text(subject, "name"), Manifest.Text(subject, "namespace")));
    }
}
