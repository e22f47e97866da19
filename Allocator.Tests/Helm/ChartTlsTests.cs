using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Allocator.Tests.Helm;

public class ChartTlsTests
{
    private const string TlsDirectory = "/etc/allocator/tls";
    private const string ClientCaDirectory = "/etc/allocator/client-ca";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    [Fact]
    public void Tls_by_default_mounts_the_server_certificate_and_the_client_CA_secret_apart()
    {
        var chart = ChartRenderer.Render();
        AssertServerCertificate(chart, chart.FullName + "-tls", serverCaForClients: false);
        AssertClientCaDirectory(chart, chart.FullName + "-client-ca");
    }

    [Fact]
    public void Generated_certificates_come_from_two_CAs_one_for_the_server_one_for_callers()
    {
        var chart = ChartRenderer.Render();
        var server = SecretData(chart.Single("Secret", chart.FullName + "-tls"));
        var client = SecretData(chart.Single("Secret", chart.FullName + "-client-tls"));
        var clientCas = SecretData(chart.Single("Secret", chart.FullName + "-client-ca"));
        Assert.Equal(["client-ca.crt"], clientCas.Keys);
        Assert.Equal(server["ca.crt"], client["ca.crt"]); // what a caller checks the server with

        using var serverCa = X509Certificate2.CreateFromPem(server["ca.crt"]);
        using var callersCa = X509Certificate2.CreateFromPem(clientCas["client-ca.crt"]);
        using var serverCert = X509Certificate2.CreateFromPem(server["tls.crt"], server["tls.key"]);
        using var clientCert = X509Certificate2.CreateFromPem(client["tls.crt"], client["tls.key"]);

        Assert.NotEqual(serverCa.Thumbprint, callersCa.Thumbprint);
        Assert.True(Chains(serverCert, serverCa, ServerAuth), "the server certificate does not chain to ca.crt for server authentication");
        Assert.True(Chains(clientCert, callersCa, ClientAuth), "the client certificate does not chain to the client CA");
        Assert.False(Chains(clientCert, serverCa, ClientAuth), "the server's CA must not vouch for callers");
        Assert.False(Chains(serverCert, callersCa, ClientAuth), "the client CA must not have signed the server certificate");
        foreach (var name in new[] { "alloc-allocator", "alloc-allocator.games.svc", "alloc-allocator.games.svc.cluster.local", "localhost" })
            Assert.True(serverCert.MatchesHostname(name), $"the server certificate does not name {name}");
        Assert.True(serverCert.NotAfter > DateTime.UtcNow.AddYears(5));
    }

    [Fact]
    public void Client_CAs_given_as_values_join_the_generated_one_and_are_alone_with_an_existing_server_secret()
    {
        var pems = new Dictionary<string, string> { ["team-b.crt"] = NewCaPem("team-b"), ["cluster-2.pem"] = NewCaPem("cluster-2") };
        string[] values = [.. pems.SelectMany(p => new[] { "--set-string", $"tls.clientCa.certificates.{p.Key.Replace(".", "\\.")}={p.Value}" })];

        var generated = ChartRenderer.Render(values);
        var withGenerated = SecretData(generated.Single("Secret", generated.FullName + "-client-ca"));
        Assert.Equal(["client-ca.crt", "cluster-2.pem", "team-b.crt"], withGenerated.Keys.Order());
        foreach (var (file, pem) in pems) Assert.Equal(pem, withGenerated[file]);

        var yours = ChartRenderer.Render([.. values, "--set", "tls.existingSecret=allocator-cert"]);
        Assert.Equal(pems, SecretData(yours.Single("Secret", yours.FullName + "-client-ca")));
        AssertServerCertificate(yours, "allocator-cert", serverCaForClients: false);
        AssertClientCaDirectory(yours, yours.FullName + "-client-ca");
    }

    [Fact]
    public void An_existing_client_CA_secret_is_mounted_and_nothing_is_generated()
    {
        var chart = ChartRenderer.Render("--set", "tls.existingSecret=allocator-cert,tls.clientCa.existingSecret=callers");

        Assert.Empty(CertificateSecrets(chart));
        AssertServerCertificate(chart, "allocator-cert", serverCaForClients: false);
        AssertClientCaDirectory(chart, "callers");
    }

    [Fact]
    public void An_existing_server_secret_alone_trusts_its_ca_crt_for_callers_too()
    {
        var chart = ChartRenderer.Render("--set", "tls.existingSecret=allocator-cert");

        Assert.Empty(CertificateSecrets(chart));
        AssertServerCertificate(chart, "allocator-cert", serverCaForClients: true);
        Assert.Null(chart.VolumeMount("client-ca"));
    }

    [Fact]
    public void Tls_without_client_authentication_sets_no_client_CA()
    {
        var chart = ChartRenderer.Render("--set", "tls.clientAuth=false");

        AssertServerCertificate(chart, chart.FullName + "-tls", serverCaForClients: false);
        Assert.DoesNotContain(chart.Env.Keys, k => k.StartsWith("Allocator__Tls__ClientCa", StringComparison.Ordinal));
        Assert.Null(chart.VolumeMount("client-ca"));
    }

    [Fact]
    public void Plaintext_only_when_tls_is_off()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["plaintext"]);

        Assert.Equal("true", chart.Env["Allocator__Plaintext"]);
        Assert.DoesNotContain(chart.Env.Keys, k => k.StartsWith("Allocator__Tls__", StringComparison.Ordinal));
        Assert.Null(chart.VolumeMount("tls"));
        Assert.Null(chart.VolumeMount("client-ca"));
        Assert.DoesNotContain(Manifest.Items(chart.PodSpec, "volumes"), v => Manifest.Text(v, "name") is "tls" or "client-ca");
        Assert.Empty(CertificateSecrets(chart));
    }

    /// <summary>The server certificate's Secret at /etc/allocator/tls; its ca.crt only when it is the client CA too.</summary>
    private static void AssertServerCertificate(RenderedChart chart, string secretName, bool serverCaForClients)
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
        if (serverCaForClients) settings.Add("Allocator__Tls__ClientCaFile");
        else Assert.DoesNotContain("Allocator__Tls__ClientCaFile", env.Keys);
        foreach (var setting in settings)
        {
            Assert.Equal(TlsDirectory, Path.GetDirectoryName(env[setting]));
            Assert.Contains(Path.GetFileName(env[setting]), files);
        }

        Assert.Equal(serverCaForClients ? ["ca.crt", "tls.crt", "tls.key"] : ["tls.crt", "tls.key"], files.Order());
    }

    /// <summary>Every key of the client CA Secret, as a directory the allocator reads.</summary>
    private static void AssertClientCaDirectory(RenderedChart chart, string secretName)
    {
        Assert.Equal(ClientCaDirectory, chart.Env["Allocator__Tls__ClientCaDirectory"]);
        var mount = chart.VolumeMount("client-ca")!;
        Assert.Equal(ClientCaDirectory, Manifest.Text(mount, "mountPath"));
        Assert.Equal("true", Manifest.Text(mount, "readOnly"));
        var volume = chart.Volume("client-ca");
        Assert.Equal(secretName, Manifest.Text(volume, "secret", "secretName"));
        Assert.Empty(Manifest.Items(volume, "secret", "items")); // all keys, including ones added later
    }

    /// <summary>Secrets the chart makes for TLS (the Redis password and the inventory token are others).</summary>
    private static IEnumerable<Manifest> CertificateSecrets(RenderedChart chart) =>
        chart.OfKind("Secret").Where(s => s.Text("type") == "kubernetes.io/tls" || s.Name == chart.FullName + "-client-ca");

    private static Dictionary<string, string> SecretData(Manifest secret) =>
        Manifest.StringMap(secret.Root, "data").ToDictionary(d => d.Key, d => Encoding.ASCII.GetString(Convert.FromBase64String(d.Value)));

    private static string NewCaPem(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return ca.ExportCertificatePem() + "\n";
    }

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
