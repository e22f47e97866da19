using System.Security.Cryptography.X509Certificates;

namespace Allocator.Service.Security;

/// <summary>
/// How the Kubernetes API server (the aggregator's front proxy) proves itself when it forwards a
/// request: a client certificate from the request-header CA, with a common name among the allowed
/// names (none listed: any), and who the caller is in the named headers.
/// </summary>
/// <param name="Origin">Where these came from, for logs and errors (a file, or the ConfigMap).</param>
public sealed record RequestHeaderSettings(
    X509Certificate2Collection Cas,
    IReadOnlyList<string> AllowedNames,
    IReadOnlyList<string> UsernameHeaders,
    IReadOnlyList<string> GroupHeaders,
    string Origin);

/// <summary>
/// The request-header CA of the aggregated API, apart from the client CAs of gRPC callers: a
/// front-proxy certificate is good for the Kubernetes API only, a caller's certificate for gRPC
/// and REST only. Its settings are replaced whole when their source changes.
/// </summary>
public sealed class FrontProxyAuthority
{
    private volatile RequestHeaderSettings? _current;
    private readonly ConnectionVerdicts _verdicts;

    public FrontProxyAuthority() => _verdicts = new ConnectionVerdicts(c => _current is { } s && Trust(s, c, null));

    /// <summary>Null until the first settings are read: until then no front-proxy certificate is trusted.</summary>
    public RequestHeaderSettings? Current => _current;

    public void Use(RequestHeaderSettings settings) => _current = settings;

    /// <summary>For the TLS handshake: the certificate chains to the request-header CA.</summary>
    public bool Trust(X509Certificate2 client, X509Chain? presented) => _current is { } s && Trust(s, client, presented);

    /// <summary>For a request on a connection: its certificate chains to the request-header CA (judged once per connection).</summary>
    public bool TrustsConnection(X509Certificate2 client) => _verdicts.Trusted(client);

    /// <summary>Kubernetes checks the common name only, and an empty list allows any name the CA signed.</summary>
    public bool Allowed(X509Certificate2 client) =>
        _current is { } s && (s.AllowedNames.Count == 0 || s.AllowedNames.Contains(client.GetNameInfo(X509NameType.SimpleName, forIssuer: false), StringComparer.Ordinal));

    private static bool Trust(RequestHeaderSettings settings, X509Certificate2 client, X509Chain? presented) => ClientChain.Trusted(client, settings.Cas, presented);
}
