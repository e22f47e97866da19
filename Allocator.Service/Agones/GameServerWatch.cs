using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace Allocator.Service.Agones;

/// <summary>
/// Lists and watches Agones GameServers in one namespace (or all), resuming from a given
/// resourceVersion so that a new leader carries on where the last one stopped, without a
/// relist. It relists only when there is nothing to resume from or the API server answers
/// 410 Gone (history compacted). Watch timeouts and dropped streams resume from the last
/// resourceVersion seen; bookmarks move it forward when nothing changes. A watch that brings
/// nothing, not even a bookmark, for <see cref="WatchLimits.Idle"/> is given up and resumed: a
/// connection a load balancer or a failed-over API server black-holed ends no other way.
/// </summary>
public sealed class GameServerWatch(IKubernetes client, string? ns, WatchLimits limits, TimeProvider time, ILogger log)
{
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(1);

    /// <summary>Lists made by this watch (the first one included when it had nothing to resume from).</summary>
    public int Relists { get; private set; }

    public async IAsyncEnumerable<GameServerChange> RunAsync(string? resumeFrom, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var resourceVersion = resumeFrom;
        var expired = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (string.IsNullOrEmpty(resourceVersion))
            {
                var snapshot = await ListAsync(expired, cancellationToken);
                expired = false;
                Relists++;
                KubernetesLog.Relisted(log, ns ?? "*", snapshot.Servers.Count, snapshot.ResourceVersion);
                yield return snapshot;
                resourceVersion = snapshot.ResourceVersion;
            }

            Exception? error = null;
            // Restarted by every event: fires only when the watch has been silent for the whole bound.
            using var idle = new CancellationTokenSource(limits.Idle, time);
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            await using (var events = Watch(resourceVersion, e => error ??= e, watching.Token).GetAsyncEnumerator(watching.Token))
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync()) break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
                    {
                        error ??= idle.IsCancellationRequested ? new TimeoutException($"no event or bookmark for {limits.Idle.TotalSeconds:F0} s") : e;
                        break;
                    }

                    idle.CancelAfter(limits.Idle);
                    if (Read(events.Current.Type, (JsonElement)events.Current.Object) is not { } change) continue;
                    resourceVersion = change.ResourceVersion.Length > 0 ? change.ResourceVersion : resourceVersion;
                    yield return change;
                }
            }

            if (IsGone(error))
            {
                KubernetesLog.Expired(log, ns ?? "*", resourceVersion ?? "");
                resourceVersion = null;
                expired = true;
            }
            else if (error is TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                // Silence is not the server's refusal: resume at once.
                KubernetesLog.WatchSilent(log, ns ?? "*", limits.Idle.TotalSeconds);
            }
            else if (error is not null && !cancellationToken.IsCancellationRequested)
            {
                KubernetesLog.WatchFailed(log, ns ?? "*", error.Message);
                await Task.Delay(RetryAfterError, time, cancellationToken);
            }
        }
    }

    private static GameServerChange? Read(WatchEventType type, JsonElement body)
    {
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                var (server, version) = AgonesGameServer.Read(body);
                return new GameServerUpserted(server, version);
            case WatchEventType.Deleted:
                var (gone, at) = AgonesGameServer.Read(body);
                return new GameServerDeleted(gone.Key, at);
            case WatchEventType.Bookmark:
                return new GameServerProgress(body.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "");
            default:
                return null;
        }
    }

    private async Task<GameServerSnapshot> ListAsync(bool expired, CancellationToken cancellationToken)
    {
        var body = (JsonElement)(ns is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, AgonesGameServer.Plural, cancellationToken: cancellationToken)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, cancellationToken: cancellationToken));
        var servers = body.GetProperty("items").EnumerateArray().Select(item => AgonesGameServer.Read(item).Server).ToList();
        return new GameServerSnapshot(servers, body.GetProperty("metadata").GetProperty("resourceVersion").GetString() ?? "", expired);
    }

    private IAsyncEnumerable<(WatchEventType Type, object Object)> Watch(string? resourceVersion, Action<Exception> onError, CancellationToken cancellationToken)
    {
        var timeout = (int)limits.Timeout.TotalSeconds;
        return ns is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, AgonesGameServer.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeout, onError: onError, cancellationToken: cancellationToken);
    }

    private static bool IsGone(Exception? error) => error switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };
}

/// <param name="Timeout">Server-side timeout of one watch request (it then resumes).</param>
/// <param name="Idle">How long a watch may bring nothing, not even a bookmark, before it is given up and resumed.</param>
public sealed record WatchLimits(TimeSpan Timeout, TimeSpan Idle);
