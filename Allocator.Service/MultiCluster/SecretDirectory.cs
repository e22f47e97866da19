namespace Allocator.Service.MultiCluster;

/// <summary>
/// Stand-alone client credentials: <c>MultiCluster:SecretDirectory/&lt;secretName&gt;/</c> holds
/// <c>tls.crt</c>, <c>tls.key</c> and optionally <c>ca.crt</c>, the layout of a Secret mounted as a
/// volume. Read on every use of a new channel, so replaced files count without a restart.
/// </summary>
public sealed class SecretDirectory(string root) : IClientCredentialSource
{
    public async Task<ClientCredentials> GetAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, secretName);
        if (!Api.Names.IsDnsSubdomain(secretName) || !Directory.Exists(folder))
        {
            throw new ClusterSetupException($"secret '{secretName}': no directory {folder} (Allocator:MultiCluster:SecretDirectory/<secretName>)");
        }

        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in new[] { ClientCredentials.CertificateKey, ClientCredentials.KeyKey, ClientCredentials.CaKey })
        {
            var file = Path.Combine(folder, key);
            if (File.Exists(file)) entries[key] = await File.ReadAllTextAsync(file, cancellationToken);
        }

        return ClientCredentials.From(entries, $"secret directory {folder}");
    }
}
