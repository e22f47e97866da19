using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Allocator.Service.Agones;
using k8s;
using k8s.Autorest;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// Kubernetes mode: every replica lists and watches the <c>GameServerAllocationPolicy</c> objects
/// of the watched namespaces (<c>Kubernetes:Namespaces</c>, or all), as Agones' allocator keeps an
/// informer on them, so a call reads them from memory. A watch resumes from the last
/// resourceVersion it saw, relists on 410 Gone, and is given up and resumed when it brings nothing,
/// not even a bookmark, for <c>Kubernetes:WatchIdleTimeout</c>. Calls wait for the first list.
/// </summary>
public sealed class PolicyWatch(IKubernetes client, IReadOnlyList<string?> scopes, WatchLimits limits, TimeProvider time, ILogger<PolicyWatch> log)
    : BackgroundService, IPolicyCatalog
{
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<(string Ns, string Name), AllocationPolicy> _policies = new();
    private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _unlisted = scopes.Count;

    /// <summary>Why the policies could not be read, while they have not been (e.g. RBAC, the CRD not installed).</summary>
    public string? LastError { get; private set; }

    public async Task<IReadOnlyList<AllocationPolicy>> InNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            await _listed.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw new ClusterSetupException($"{PolicyJson.Plural}.{PolicyJson.Group} not read from Kubernetes yet" + (LastError is { } e ? ": " + e : ""));
        }

        return [.. _policies.Values.Where(p => p.Namespace == ns)];
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(scopes.Select(s => RunAsync(s, stoppingToken)));

    private async Task RunAsync(string? ns, CancellationToken stopping)
    {
        string? resourceVersion = null;
        var listed = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(ns, stopping);
                    LastError = null;
                    if (!listed && Interlocked.Decrement(ref _unlisted) == 0) _listed.TrySetResult();
                    listed = true;
                }

                resourceVersion = await WatchAsync(ns, resourceVersion, stopping);
            }
            catch (Exception e) when (!stopping.IsCancellationRequested && IsGone(e))
            {
                MultiClusterLog.PolicyWatchExpired(log, ns ?? "*", resourceVersion ?? "");
                resourceVersion = null;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested && e is not OperationCanceledException)
            {
                LastError = e.Message;
                MultiClusterLog.PolicyWatchFailed(log, ns ?? "*", e.Message);
                await Task.Delay(RetryAfterError, time, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Replaces what is known of the scope with a fresh list; returns the list's resourceVersion.</summary>
    private async Task<string> ListAsync(string? ns, CancellationToken stopping)
    {
        var body = (JsonElement)(ns is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(PolicyJson.Group, PolicyJson.Version, PolicyJson.Plural, cancellationToken: stopping)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(PolicyJson.Group, PolicyJson.Version, ns, PolicyJson.Plural, cancellationToken: stopping));
        var seen = new HashSet<(string, string)>();
        foreach (var item in body.GetProperty("items").EnumerateArray())
        {
            if (Upsert(item) is { } key) seen.Add(key);
        }

        foreach (var key in _policies.Keys.Where(k => (ns is null || k.Ns == ns) && !seen.Contains(k))) _policies.TryRemove(key, out _);
        MultiClusterLog.PoliciesListed(log, ns ?? "*", seen.Count);
        return body.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "";
    }

    /// <summary>Applies watch events until the watch ends; returns the last resourceVersion seen. Throws what ended it early.</summary>
    private async Task<string> WatchAsync(string? ns, string resourceVersion, CancellationToken stopping)
    {
        Exception? error = null;
        using var idle = new CancellationTokenSource(limits.Idle, time);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token);
        var timeout = (int)limits.Timeout.TotalSeconds;
        var events = ns is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(PolicyJson.Group, PolicyJson.Version, PolicyJson.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: e => error ??= e, cancellationToken: watching.Token)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(PolicyJson.Group, PolicyJson.Version, ns, PolicyJson.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: e => error ??= e, cancellationToken: watching.Token);
        try
        {
            await foreach (var (type, obj) in events.WithCancellation(watching.Token))
            {
                idle.CancelAfter(limits.Idle);
                var body = (JsonElement)obj;
                if (body.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var version))
                {
                    resourceVersion = version.GetString() ?? resourceVersion;
                }

                if (type is WatchEventType.Added or WatchEventType.Modified) Upsert(body);
                else if (type is WatchEventType.Deleted) _policies.TryRemove(Key(body, metadata), out _);
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            MultiClusterLog.PolicyWatchSilent(log, ns ?? "*", limits.Idle.TotalSeconds);
        }

        if (error is not null) throw error;
        return resourceVersion;
    }

    private (string, string)? Upsert(JsonElement obj)
    {
        try
        {
            var policy = PolicyJson.Read(obj);
            _policies[(policy.Namespace, policy.Name)] = policy;
            if (policy.Problem is { } problem) MultiClusterLog.PolicyUnusable(log, problem);
            return (policy.Namespace, policy.Name);
        }
        catch (PolicyFormatException e)
        {
            // The CRD's schema keeps these out; a policy we cannot order is left out, and said so.
            var metadata = obj.TryGetProperty("metadata", out var m) ? m : default;
            _policies.TryRemove(Key(obj, metadata), out _);
            MultiClusterLog.PolicyUnusable(log, e.Message);
            return null;
        }
    }

    private static (string, string) Key(JsonElement obj, JsonElement metadata) =>
        (Text(metadata, "namespace") ?? "default", Text(metadata, "name") ?? "");

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool IsGone(Exception error) => error switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };
}
