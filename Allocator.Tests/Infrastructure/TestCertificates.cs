using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Allocator.Tests.Infrastructure;

/// <summary>
/// A throw-away PKI in a temp folder: a CA, a server certificate for 127.0.0.1 and client
/// certificates, as PEM files the service reads (and X509Certificate2 objects for clients).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory.CreateDirectory(Folder);
        Ca = NewCa("allocator-test-ca");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
        WriteServer(Ca);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "allocator-pki-" + Guid.NewGuid().ToString("N"));
    public X509Certificate2 Ca { get; }
    public string CaFile => Path.Combine(Folder, "ca.crt");
    public string ServerCertificateFile => Path.Combine(Folder, "tls.crt");
    public string ServerKeyFile => Path.Combine(Folder, "tls.key");

    /// <summary>The service settings for TLS with client certificates signed by <see cref="Ca"/>.</summary>
    public string[] MutualTlsSettings =>
    [
        "--Allocator:Plaintext=false",
        $"--Allocator:Tls:CertificateFile={ServerCertificateFile}",
        $"--Allocator:Tls:KeyFile={ServerKeyFile}",
        $"--Allocator:Tls:ClientCaFile={CaFile}",
    ];

    /// <summary>A client certificate signed by our CA, or by a CA the server does not know.</summary>
    public X509Certificate2 Client(string name, bool trusted = true) => Client(name, trusted ? Ca : NewCa("stranger-ca"));

    /// <summary>A certificate signed by <paramref name="issuer"/> for client authentication (or, false, only for servers).</summary>
    public static X509Certificate2 Client(string name, X509Certificate2 issuer, bool clientAuthentication = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(clientAuthentication ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomSerial());
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Another CA, e.g. one of several that sign client certificates.</summary>
    public static X509Certificate2 Authority(string name) => NewCa(name);

    /// <summary>Writes CA certificates (one, or a bundle of several) as PEM.</summary>
    public static void WritePem(string path, params X509Certificate2[] cas) =>
        File.WriteAllText(path, string.Concat(cas.Select(ca => ca.ExportCertificatePem() + "\n")));

    /// <summary>Replaces the server certificate files (as cert-manager does); returns the new certificate.</summary>
    public X509Certificate2 RotateServer() => WriteServer(Ca);

    /// <summary>Trusts only our CA: how a client pins the allocator's certificate.</summary>
    public bool TrustsServer(X509Certificate2? certificate)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }

    private X509Certificate2 WriteServer(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=allocator", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomSerial());
        // Key first, then certificate: the service keeps its last good pair while they disagree.
        File.WriteAllText(ServerKeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ServerCertificateFile, certificate.ExportCertificatePem());
        return certificate;
    }

    private static X509Certificate2 NewCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(7));
        return X509CertificateLoader.LoadPkcs12(ca.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(12);
}
