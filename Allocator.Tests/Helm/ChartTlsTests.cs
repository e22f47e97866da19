using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Allocator.Tests.Helm;

public class ChartTlsTests
{
    private const string TlsDirectory = "/etc/allocator/tls";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    [Fact]
    public void Tls_by_default_mounts_the_certificate_secret_and_sets_its_files()
    {
        var chart = ChartRenderer.Render();
        AssertTlsWired(chart, chart.FullName + "-tls", clientCa: true);
    }

    [Fact]
    public void Generated_certificates_chain_to_one_ca_and_name_the_service()
    {
        var chart = ChartRenderer.Render();
        var server = SecretData(chart.Single("Secret", chart.FullName + "-tls"));
        var client = SecretData(chart.Single("Secret", chart.FullName + "-client-tls"));
        Assert.Equal(server["ca.crt"], client["ca.crt"]);

        using var ca = X509Certificate2.CreateFromPem(server["ca.crt"]);
        using var serverCert = X509Certificate2.CreateFromPem(server["tls.crt"], server["tls.key"]);
        using var clientCert = X509Certificate2.CreateFromPem(client["tls.crt"], client["tls.key"]);

        Assert.True(Chains(serverCert, ca, ServerAuth), "the server certificate does not chain to ca.crt for server authentication");
        Assert.True(Chains(clientCert, ca, ClientAuth), "the client certificate does not chain to ca.crt for client authentication");
        foreach (var name in new[] { "alloc-allocator", "alloc-allocator.games.svc", "alloc-allocator.games.svc.cluster.local", "localhost" })
            Assert.True(serverCert.MatchesHostname(name), $"the server certificate does not name {name}");
        Assert.True(serverCert.NotAfter > DateTime.UtcNow.AddYears(5));
    }

    [Fact]
    public void An_existing_secret_is_mounted_instead_of_generated_certificates()
    {
        var chart = ChartRenderer.Render("--set", "tls.existingSecret=allocator-cert");

        Assert.DoesNotContain(chart.OfKind("Secret"), s => s.Text("type") == "kubernetes.io/tls"); // no certificate Secret (the Redis password and inventory token are Opaque)
        AssertTlsWired(chart, "allocator-cert", clientCa: true);
    }

    [Fact]
    public void Tls_without_client_authentication_sets_no_client_ca()
    {
        var chart = ChartRenderer.Render("--set", "tls.clientAuth=false");

        AssertTlsWired(chart, chart.FullName + "-tls", clientCa: false);
    }

    [Fact]
    public void Plaintext_only_when_tls_is_off()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["plaintext"]);

        Assert.Equal("true", chart.Env["Allocator__Plaintext"]);
        Assert.DoesNotContain(chart.Env.Keys, k => k.StartsWith("Allocator__Tls__", StringComparison.Ordinal));
        Assert.Null(chart.VolumeMount("tls"));
        Assert.DoesNotContain(Manifest.Items(chart.PodSpec, "volumes"), v => Manifest.Text(v, "name") == "tls");
        Assert.DoesNotContain(chart.OfKind("Secret"), s => s.Text("type") == "kubernetes.io/tls"); // no certificate Secret (the Redis password and inventory token are Opaque)
    }

    private static void AssertTlsWired(RenderedChart chart, string secretName, bool clientCa)
    {
        var env = chart.Env;
        Assert.Equal("false", env["Allocator__Plaintext"]);

        var mount = chart.VolumeMount("tls")!;
        Assert.Equal(TlsDirectory, Manifest.Text(mount, "mountPath"));
        Assert.Equal("true", Manifest.Text(mount, "readOnly"));
        var volume = chart.Volume("tls");
        Assert.Equal(secretName, Manifest.Text(volume, "secret", "secretName"));
        var files = Manifest.Items(volume, "secret", "items").Select(i => Manifest.Text(i, "path")!).ToHashSet();

        var settings = new List<string> { "Allocator__Tls__CertificateFile", "Allocator__Tls__KeyFile" };
        if (clientCa) settings.Add("Allocator__Tls__ClientCaFile");
        else Assert.DoesNotContain("Allocator__Tls__ClientCaFile", env.Keys);
        foreach (var setting in settings)
        {
            Assert.Equal(TlsDirectory, Path.GetDirectoryName(env[setting]));
            Assert.Contains(Path.GetFileName(env[setting]), files);
        }

        Assert.Equal(clientCa ? ["ca.crt", "tls.crt", "tls.key"] : ["tls.crt", "tls.key"], files.Order());
    }

    private static Dictionary<string, string> SecretData(Manifest secret) =>
        Manifest.StringMap(secret.Root, "data").ToDictionary(d => d.Key, d => Encoding.ASCII.GetString(Convert.FromBase64String(d.Value)));

    private static bool Chains(X509Certificate2 cert, X509Certificate2 ca, string usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        return chain.Build(cert);
    }
}
