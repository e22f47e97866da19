namespace Allocator.Service.MultiCluster;

/// <summary>Where the <c>GameServerAllocationPolicy</c> objects come from: a file (stand-alone) or the Kubernetes API.</summary>
public interface IPolicyCatalog
{
    /// <summary>The policies of one namespace, once they have been read at least once (waits for that until cancelled).</summary>
    Task<IReadOnlyList<AllocationPolicy>> InNamespaceAsync(string ns, CancellationToken cancellationToken);
}

/// <summary>Where the client certificate of a remote cluster comes from: its Secret (Kubernetes) or a directory per secret name (stand-alone).</summary>
public interface IClientCredentialSource
{
    /// <summary>The credentials named by a policy's <c>secretName</c> in its namespace; throws <see cref="ClusterSetupException"/> naming what is missing.</summary>
    Task<ClientCredentials> GetAsync(string ns, string secretName, CancellationToken cancellationToken);
}

/// <summary>PEM texts as in Agones' client Secret: <c>tls.crt</c>, <c>tls.key</c>, and optionally <c>ca.crt</c> (trusted for the remote server too).</summary>
public sealed record ClientCredentials(string Certificate, string Key, string Ca)
{
    public const string CertificateKey = "tls.crt";
    public const string KeyKey = "tls.key";
    public const string CaKey = "ca.crt";

    /// <summary>From a Secret's entries; throws when the certificate or key is missing.</summary>
    public static ClientCredentials From(IReadOnlyDictionary<string, string> entries, string where)
    {
        var missing = new[] { CertificateKey, KeyKey }.Where(k => !entries.TryGetValue(k, out var v) || string.IsNullOrWhiteSpace(v)).ToList();
        if (missing.Count > 0) throw new ClusterSetupException($"{where} has no {string.Join(" or ", missing)} (the client certificate and key)");
        return new ClientCredentials(entries[CertificateKey], entries[KeyKey], entries.GetValueOrDefault(CaKey) ?? "");
    }
}

/// <summary>A cluster that cannot be called as configured (its policy or its Secret): it is skipped, and the caller told why.</summary>
public sealed class ClusterSetupException(string message, Exception? inner = null) : Exception(message, inner);
