using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s;
using Allocator.Service.Security;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// Keeps <see cref="FrontProxyAuthority"/> current: the request-header CA, allowed names and header
/// names from <c>RequestHeaderCaFile</c>, or from the <c>extension-apiserver-authentication</c>
/// ConfigMap in <c>kube-system</c> that the API server publishes for aggregated API servers. Read at
/// start and every <c>AuthenticationRefresh</c>; a failed read keeps the last good settings and is
/// tried again sooner.
/// </summary>
public sealed class RequestHeaderSource(
    FrontProxyAuthority authority,
    ApiServerClient kubernetes,
    IOptions<KubernetesApiOptions> options,
    TimeProvider time,
    ILogger<RequestHeaderSource> log) : BackgroundService
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);
    private string _fingerprint = "";

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var wait = options.Value.AuthenticationRefresh;
            try
            {
                Use(await ReadAsync(stopping));
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                KubernetesApiLog.RequestHeaderUnreadable(log, Origin, e.Message);
                if (wait > RetryAfterFailure) wait = RetryAfterFailure;
            }

            try
            {
                await Task.Delay(wait, time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string Origin => options.Value.RequestHeaderCaFile.Length > 0 ? options.Value.RequestHeaderCaFile : $"ConfigMap {ConfigMapNamespace}/{ConfigMapName}";

    private void Use(RequestHeaderSettings settings)
    {
        authority.Use(settings);
        var fingerprint = string.Join("|", settings.Cas.Select(c => c.Thumbprint).Concat(settings.AllowedNames).Concat(settings.UsernameHeaders).Concat(settings.GroupHeaders));
        if (fingerprint == _fingerprint) return;
        _fingerprint = fingerprint;
        KubernetesApiLog.RequestHeaderRead(log, settings.Origin, settings.Cas.Count,
            settings.AllowedNames.Count == 0 ? "any" : string.Join(",", settings.AllowedNames), string.Join(",", settings.UsernameHeaders), string.Join(",", settings.GroupHeaders));
    }

    public async Task<RequestHeaderSettings> ReadAsync(CancellationToken cancellation)
    {
        var o = options.Value;
        if (o.RequestHeaderCaFile.Length > 0)
        {
            return Settings(await File.ReadAllTextAsync(o.RequestHeaderCaFile, cancellation), o.RequestHeaderCaFile, configured: null);
        }

        var configMap = await kubernetes.Client.CoreV1.ReadNamespacedConfigMapAsync(ConfigMapName, ConfigMapNamespace, cancellationToken: cancellation);
        var data = configMap.Data ?? new Dictionary<string, string>();
        var ca = data.TryGetValue("requestheader-client-ca-file", out var pem) ? pem : throw new InvalidOperationException("it has no requestheader-client-ca-file: the API server runs without --requestheader-client-ca-file, so it cannot front an aggregated API");
        return Settings(ca, Origin, data);
    }

    /// <summary>Settings from the CA PEM; each list from the option when set, else the ConfigMap's, else Kubernetes' default.</summary>
    private RequestHeaderSettings Settings(string pem, string origin, IDictionary<string, string>? configured)
    {
        var cas = new X509Certificate2Collection();
        cas.ImportFromPem(pem);
        if (cas.Count == 0) throw new InvalidOperationException("it holds no certificate");
        var o = options.Value;
        IReadOnlyList<string> Pick(string option, string key, params string[] fallback)
        {
            var mine = KubernetesApiOptions.List(option);
            if (mine.Count > 0) return mine;
            var theirs = configured is not null && configured.TryGetValue(key, out var value) && value is { Length: > 0 } ? JsonSerializer.Deserialize<string[]>(value) ?? [] : [];
            return theirs.Length > 0 ? theirs : fallback;
        }

        return new RequestHeaderSettings(cas,
            Pick(o.AllowedNames, "requestheader-allowed-names"),
            Pick(o.UsernameHeaders, "requestheader-username-headers", "X-Remote-User"),
            Pick(o.GroupHeaders, "requestheader-group-headers", "X-Remote-Group"),
            origin);
    }
}
