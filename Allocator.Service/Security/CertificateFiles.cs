using System.Security.Cryptography.X509Certificates;

namespace Allocator.Service.Security;

/// <summary>
/// The server certificate and the client CA, read from PEM files and read again when a file
/// changes (cert-manager rotates them in place), checked at most once a second.
/// </summary>
public sealed class CertificateFiles(string certificateFile, string keyFile, string clientCaFile, TimeProvider time)
{
    private readonly Lock _lock = new();
    private X509Certificate2? _certificate;
    private X509Certificate2Collection _clientCas = [];
    private DateTime _certificateWritten, _keyWritten, _caWritten;
    private DateTimeOffset _nextCheck;

    public bool RequiresClientCertificate => clientCaFile.Length > 0;

    /// <summary>The current server certificate; a broken new file keeps the last good one.</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            Refresh();
            return _certificate ?? throw new InvalidOperationException($"no server certificate could be read from {certificateFile}");
        }
    }

    /// <summary>True when <paramref name="client"/> chains up to one of the configured client CAs.</summary>
    public bool Trusts(X509Certificate2 client)
    {
        Refresh();
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        lock (_lock) chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas);
        return chain.Build(client);
    }

    /// <summary>Reads the files now; throws when the configured ones cannot be used at start.</summary>
    public void Load()
    {
        _nextCheck = DateTimeOffset.MinValue;
        Refresh(throwOnError: true);
    }

    private void Refresh(bool throwOnError = false)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now < _nextCheck) return;
            _nextCheck = now + TimeSpan.FromSeconds(1);
            try
            {
                var certWritten = File.GetLastWriteTimeUtc(certificateFile);
                var keyWritten = File.GetLastWriteTimeUtc(keyFile);
                if (_certificate is null || certWritten != _certificateWritten || keyWritten != _keyWritten)
                {
                    using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                    // SslStream on Linux wants a certificate whose key is not ephemeral.
                    _certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                    (_certificateWritten, _keyWritten) = (certWritten, keyWritten);
                }

                if (clientCaFile.Length > 0 && File.GetLastWriteTimeUtc(clientCaFile) is var caWritten && caWritten != _caWritten)
                {
                    var cas = new X509Certificate2Collection();
                    cas.ImportFromPemFile(clientCaFile);
                    if (cas.Count == 0) throw new InvalidOperationException($"{clientCaFile} holds no certificate");
                    (_clientCas, _caWritten) = (cas, caWritten);
                }
            }
            catch (Exception e) when (!throwOnError && e is IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
            {
                // Mid-rotation (certificate written, key not yet): keep serving with the last good pair.
            }
        }
    }
}
