using Allocator.Service.Security;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The aggregated Kubernetes API <c>allocation.agones.dev/v1</c> (section <c>Allocator:KubernetesApi</c>):
/// whether it is served, how the API server's front proxy is recognised, and whether each
/// caller is authorised through a SubjectAccessReview.
/// </summary>
public sealed class KubernetesApiOptions
{
    public const string Section = "KubernetesApi";

    /// <summary>Serve discovery and <c>POST .../gameserverallocations</c> on the main port (and the ops port when plaintext).</summary>
    public bool Enabled { get; set; }
    /// <summary>PEM bundle of the request-header CA; empty: read from the <c>extension-apiserver-authentication</c> ConfigMap in <c>kube-system</c>.</summary>
    public string RequestHeaderCaFile { get; set; } = "";
    /// <summary>Comma-separated common names a front-proxy certificate may have; empty: the ConfigMap's list (with a CA file: any name).</summary>
    public string AllowedNames { get; set; } = "";
    /// <summary>Comma-separated headers that carry the user; empty: the ConfigMap's, else <c>X-Remote-User</c>.</summary>
    public string UsernameHeaders { get; set; } = "";
    /// <summary>Comma-separated headers that carry the groups; empty: the ConfigMap's, else <c>X-Remote-Group</c>.</summary>
    public string GroupHeaders { get; set; } = "";
    /// <summary>Ask the API server (SubjectAccessReview) whether the user may create gameserverallocations in the namespace.</summary>
    public bool Authorize { get; set; }
    /// <summary>How often the request-header CA and names are read again (a CA rotation is picked up without a restart).</summary>
    public TimeSpan AuthenticationRefresh { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>How long a SubjectAccessReview's answer is reused for the same user, groups and namespace.</summary>
    public TimeSpan AuthorizationTtl { get; set; } = TimeSpan.FromSeconds(10);

    public static IReadOnlyList<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class KubernetesApiOptionsValidator(IOptions<TransportOptions> transport, IOptions<Agones.KubernetesOptions> kubernetes) : SettingsValidator<KubernetesApiOptions>
{
    public override IEnumerable<string> Problems(KubernetesApiOptions o)
    {
        if (!o.Enabled) yield break;
        if (o.RequestHeaderCaFile.Length > 0 && !File.Exists(o.RequestHeaderCaFile)) yield return $"Allocator:KubernetesApi:RequestHeaderCaFile: {o.RequestHeaderCaFile} does not exist.";
        if (o.Authorize && transport.Value.Plaintext)
        {
            yield return "Allocator:KubernetesApi:Authorize needs TLS: in plaintext there is no front-proxy certificate, so no authenticated user to authorise (set Allocator:Plaintext=false).";
        }

        var needsApiServer = !transport.Value.Plaintext && (o.RequestHeaderCaFile.Length == 0 || o.Authorize);
        if (needsApiServer && !kubernetes.Value.HasApiServer)
        {
            yield return "Allocator:KubernetesApi: the request-header ConfigMap (no RequestHeaderCaFile) and Authorize need an API server: not running in a cluster and no kubeconfig found; set Allocator:Kubernetes:Host or KUBECONFIG, or Allocator:KubernetesApi:RequestHeaderCaFile.";
        }

        foreach (var (name, value) in new[] { ("UsernameHeaders", o.UsernameHeaders), ("GroupHeaders", o.GroupHeaders) })
        {
            if (KubernetesApiOptions.List(value).Any(h => !h.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            {
                yield return $"Allocator:KubernetesApi:{name}: header names are letters, digits and '-', comma-separated.";
            }
        }

        if (o.AuthenticationRefresh < TimeSpan.FromSeconds(1)) yield return "Allocator:KubernetesApi:AuthenticationRefresh: must be at least 1 s.";
        if (o.AuthorizationTtl < TimeSpan.Zero) yield return "Allocator:KubernetesApi:AuthorizationTtl: must be 0 (no reuse) or more.";
    }
}
