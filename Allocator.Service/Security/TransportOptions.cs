namespace Allocator.Service.Security;

/// <summary>TLS of the gRPC/REST port (section <c>Allocator</c>: <c>Plaintext</c>, <c>Tls:*</c>).</summary>
public sealed class TransportOptions
{
    /// <summary>Serve gRPC without TLS (h2c). Only for demos, tests and meshes that terminate TLS.</summary>
    public bool Plaintext { get; set; }
    public TlsOptions Tls { get; set; } = new();
}

/// <summary>Server certificate and client authentication of the gRPC/REST port.</summary>
public sealed class TlsOptions
{
    /// <summary>PEM certificate (chain) of the server; re-read when the file changes.</summary>
    public string CertificateFile { get; set; } = "";
    /// <summary>PEM private key of the server certificate.</summary>
    public string KeyFile { get; set; } = "";
    /// <summary>
    /// PEM bundle of the CAs that sign client certificates (one or several): set, every caller
    /// needs a certificate from one of them (mTLS). Unrelated to the server certificate's CA.
    /// </summary>
    public string ClientCaFile { get; set; } = "";
    /// <summary>
    /// A directory whose every <c>*.crt</c> and <c>*.pem</c> file holds client CAs, as Agones'
    /// allocator reads its client-ca Secret; files may be added or removed while it runs. With
    /// <see cref="ClientCaFile"/>, both are trusted.
    /// </summary>
    public string ClientCaDirectory { get; set; } = "";
}

public sealed class TransportOptionsValidator : SettingsValidator<TransportOptions>
{
    public override IEnumerable<string> Problems(TransportOptions o)
    {
        if (o.Plaintext) yield break;
        var tls = o.Tls;
        if (string.IsNullOrEmpty(tls.CertificateFile) || string.IsNullOrEmpty(tls.KeyFile))
        {
            yield return "Allocator:Tls:CertificateFile and Allocator:Tls:KeyFile are required (or set Allocator:Plaintext=true to serve without TLS).";
            yield break;
        }

        foreach (var (name, path) in new[] { ("CertificateFile", tls.CertificateFile), ("KeyFile", tls.KeyFile), ("ClientCaFile", tls.ClientCaFile) })
        {
            if (!string.IsNullOrEmpty(path) && !File.Exists(path)) yield return $"Allocator:Tls:{name}: {path} does not exist.";
        }

        if (!string.IsNullOrEmpty(tls.ClientCaDirectory) && !Directory.Exists(tls.ClientCaDirectory))
        {
            yield return $"Allocator:Tls:ClientCaDirectory: {tls.ClientCaDirectory} is not a directory.";
        }
    }
}
