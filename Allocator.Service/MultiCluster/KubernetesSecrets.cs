using System.Collections.Concurrent;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// Kubernetes mode: the client certificate of a remote cluster from the Secret a policy names, in
/// the policy's namespace (as Agones reads it), fetched with a GET when first needed and again
/// after <see cref="Freshness"/>, so a rotated Secret is used within that time and RBAC needs only
/// <c>get</c> on the named Secrets.
/// </summary>
public sealed class KubernetesSecrets(IKubernetes client, TimeProvider time) : IClientCredentialSource
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<(string Ns, string Name), (ClientCredentials Credentials, DateTimeOffset ReadAt)> _read = new();

    public async Task<ClientCredentials> GetAsync(string ns, string secretName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_read.TryGetValue((ns, secretName), out var known) && now - known.ReadAt < Freshness) return known.Credentials;
        k8s.Models.V1Secret secret;
        try
        {
            secret = await client.CoreV1.ReadNamespacedSecretAsync(secretName, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ClusterSetupException($"secret {ns}/{secretName} does not exist");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new ClusterSetupException($"secret {ns}/{secretName} may not be read by this allocator (RBAC: get on secrets; the Helm chart's multiCluster values)");
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            // An API server we cannot reach now: the last copy is better than none.
            if (known.Credentials is not null) return known.Credentials;
            throw new ClusterSetupException($"secret {ns}/{secretName} could not be read: {e.Message}", e);
        }

        var entries = (secret.Data ?? new Dictionary<string, byte[]>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetString(p.Value), StringComparer.Ordinal);
        var credentials = ClientCredentials.From(entries, $"secret {ns}/{secretName}");
        _read[(ns, secretName)] = (credentials, now);
        return credentials;
    }
}
