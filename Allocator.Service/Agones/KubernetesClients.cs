using k8s;

namespace Allocator.Service.Agones;

/// <summary>
/// Two clients of the same API server, each with its own connection: one for the watches, one for
/// writes (patches, Events, the pod's deletion cost), so a write never queues behind the
/// watches' streams on one HTTP/2 connection and a stalled connection stalls only one side.
/// Both ping an idle HTTP/2 connection often, so a dead one is found in seconds rather than
/// after the client's default three minutes (HTTP/1.1 has no ping: the watch's idle bound
/// and the writes' per-call timeout cover it).
/// </summary>
public sealed class KubernetesClients(IKubernetes watches, IKubernetes writes) : IDisposable
{
    private static readonly TimeSpan PingDelay = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(10);

    public IKubernetes Watches { get; } = watches;

    public IKubernetes Writes { get; } = writes;

    public static KubernetesClients Create(KubernetesOptions settings) => new(Client(settings), Client(settings));

    /// <summary>One client of the configured API server (<see cref="KubernetesOptions.Host"/>, else in-cluster, else kubeconfig).</summary>
    public static Kubernetes Client(KubernetesOptions settings)
    {
        var configuration = settings.Host.Length > 0 ? new KubernetesClientConfiguration { Host = settings.Host }
            : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile();
        configuration.FirstMessageHandlerSetup = handler =>
        {
            handler.KeepAlivePingDelay = PingDelay;
            handler.KeepAlivePingTimeout = PingTimeout;
            handler.KeepAlivePingPolicy = System.Net.Http.HttpKeepAlivePingPolicy.Always;
        };
        return new Kubernetes(configuration);
    }

    public void Dispose()
    {
        Watches.Dispose();
        Writes.Dispose();
    }
}
