namespace Allocator.Service.MultiCluster;

/// <summary>
/// One Agones <c>GameServerAllocationPolicy</c> (<c>multicluster.agones.dev/v1</c>): which cluster
/// a multi-cluster allocation may go to, how early (<see cref="Priority"/>, lower first) and how
/// often among its peers (<see cref="Weight"/>). <see cref="Problem"/> is set when the policy
/// cannot be used as written (e.g. an endpoint that is not host[:port]); its cluster then answers
/// with that problem instead of being called.
/// </summary>
public sealed record AllocationPolicy(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    int Priority,
    int Weight,
    ClusterConnection Connection,
    string? Problem = null)
{
    /// <summary>Every label of <paramref name="selector"/> is on the policy (an empty selector matches all, as in Agones).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> selector) =>
        selector.All(l => Labels.TryGetValue(l.Key, out var value) && value == l.Value);

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>
/// A policy's <c>spec.connectionInfo</c>: the cluster, the allocator endpoints that serve it
/// (none: this cluster), the Secret with the client certificate, the namespace to allocate in,
/// and the CA of the remote allocator's server certificate.
/// </summary>
public sealed record ClusterConnection(
    string ClusterName,
    IReadOnlyList<AllocatorEndpoint> Endpoints,
    string SecretName,
    string Namespace,
    string ServerCa);

/// <summary>A remote allocator's address: Agones' <c>host</c> or <c>host:port</c>, port 443 when none is given.</summary>
public sealed record AllocatorEndpoint(string Host, int Port)
{
    public const int DefaultPort = 443;

    public Uri Address => new UriBuilder("https", Host, Port).Uri;

    /// <summary>Parses <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>; null when it is none of them.</summary>
    public static AllocatorEndpoint? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Contains("://", StringComparison.Ordinal)) return null;
        if (!Uri.TryCreate("https://" + text, UriKind.Absolute, out var uri)) return null;
        if (uri.PathAndQuery != "/" || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0) return null;
        // Uri keeps an IPv6 host in brackets, as an address needs it.
        return new AllocatorEndpoint(uri.Host, uri.Port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
