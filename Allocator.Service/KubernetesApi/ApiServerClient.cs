using Allocator.Service.Agones;
using k8s;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// This API's own client of the Kubernetes API server (<c>Kubernetes:Host</c>, else in-cluster,
/// else kubeconfig): it reads the request-header ConfigMap and asks SubjectAccessReviews. Made on
/// first use, so a replica that needs neither never builds one.
/// </summary>
public sealed class ApiServerClient(IOptions<KubernetesOptions> options) : IDisposable
{
    private readonly Lazy<Kubernetes> _client = new(() => KubernetesClients.Client(options.Value));

    public IKubernetes Client => _client.Value;

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
    }
}
