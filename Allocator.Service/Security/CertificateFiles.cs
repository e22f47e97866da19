using System.Security.Cryptography.X509Certificates;

namespace Allocator.Service.Security;

/// <summary>
/// The server certificate, read from PEM files and read again when a file changes
/// (cert-manager rotates them in place), checked at most once a second. Who may call is
/// <see cref="ClientCertificateAuthorities"/>' business.
/// </summary>
public sealed class CertificateFiles(string certificateFile, string keyFile, TimeProvider time)
{
    private readonly Lock _lock = new();
    private X509Certificate2? _certificate;
    private DateTime _certificateWritten, _keyWritten;
    private DateTimeOffset _nextCheck;

    /// <summary>The current server certificate; a broken new file keeps the last good one.</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            Refresh();
            return _certificate ?? throw new InvalidOperationException($"no server certificate could be read from {certificateFile}");
        }
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
            }
            catch (Exception e) when (!throwOnError && e is IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
            {
                // Mid-rotation (certificate written, key not yet): keep serving with the last good pair.
            }
        }
    }
}
