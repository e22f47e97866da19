using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Allocator.Service.Security;

/// <summary>
/// The CAs whose client certificates may call (mTLS), apart from the server certificate and
/// its CA: a PEM bundle (<see cref="TlsOptions.ClientCaFile"/>) and/or a directory in which
/// every <c>*.crt</c> and <c>*.pem</c> file is trusted (<see cref="TlsOptions.ClientCaDirectory"/>,
/// as Agones' allocator reads its client-ca Secret: one file per client, team or cluster).
/// Read again when what they hold changes, checked at most once a second; a broken new set
/// keeps the last good one.
/// </summary>
public sealed class ClientCertificateAuthorities(string caFile, string caDirectory, TimeProvider time)
{
    private readonly Lock _lock = new();
    private X509Certificate2Collection _cas = [];
    private byte[] _fingerprint = [];
    private DateTimeOffset _nextCheck;
    private ConnectionVerdicts? _verdicts;

    public bool Required => caFile.Length > 0 || caDirectory.Length > 0;

    /// <summary>
    /// True when <paramref name="client"/> chains up to one of the CAs and may authenticate a
    /// client (its extended key usage, if any, includes client authentication, as Agones checks).
    /// </summary>
    public bool Trust(X509Certificate2 client, X509Chain? presented = null)
    {
        Refresh();
        X509Certificate2Collection cas;
        lock (_lock) cas = _cas;
        return ClientChain.Trusted(client, cas, presented);
    }

    /// <summary>For a request on a connection: <see cref="Trust"/>, judged once per connection.</summary>
    public bool TrustsConnection(X509Certificate2 client) => (_verdicts ??= new ConnectionVerdicts(c => Trust(c))).Trusted(client);

    /// <summary>Reads the CAs now; throws when the configured ones hold no certificate at start.</summary>
    public void Load()
    {
        _nextCheck = DateTimeOffset.MinValue;
        Refresh(throwOnError: true);
    }

    private void Refresh(bool throwOnError = false)
    {
        if (!Required) return;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (now < _nextCheck) return;
            _nextCheck = now + TimeSpan.FromSeconds(1);
            try
            {
                // By content, not write times: a Kubernetes Secret volume swaps a symlinked directory.
                var files = Files().Select(path => (Path: path, Pem: File.ReadAllText(path))).ToList();
                var fingerprint = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\0', files.Select(f => f.Path + '\0' + f.Pem))));
                if (fingerprint.AsSpan().SequenceEqual(_fingerprint)) return;

                var cas = new X509Certificate2Collection();
                foreach (var (path, pem) in files)
                {
                    var before = cas.Count;
                    cas.ImportFromPem(pem);
                    if (cas.Count == before) throw new InvalidOperationException($"{path} holds no certificate");
                }

                if (cas.Count == 0) throw new InvalidOperationException($"no client CA in {string.Join(" or ", new[] { caFile, caDirectory }.Where(p => p.Length > 0))}");
                (_cas, _fingerprint) = (cas, fingerprint);
            }
            catch (Exception e) when (!throwOnError && e is IOException or UnauthorizedAccessException or CryptographicException or InvalidOperationException)
            {
                // Mid-rotation or a broken file: keep trusting the last good set.
            }
        }
    }

    /// <summary>The bundle, then the directory's <c>*.crt</c> and <c>*.pem</c> files by name (Secret keys; hidden entries skipped).</summary>
    private IEnumerable<string> Files()
    {
        if (caFile.Length > 0) yield return caFile;
        if (caDirectory.Length == 0) yield break;
        foreach (var path in Directory.EnumerateFiles(caDirectory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!name.StartsWith('.') && (name.EndsWith(".crt", StringComparison.Ordinal) || name.EndsWith(".pem", StringComparison.Ordinal))) yield return path;
        }
    }
}
