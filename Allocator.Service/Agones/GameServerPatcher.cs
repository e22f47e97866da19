using System.Net;
using System.Text.Json;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Telemetry;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Allocator.Service.Agones;

/// <summary>
/// Writes one game server's pending changes (from one or more outbox entries, in order) back to
/// Kubernetes as one merge patch, computed on the copy the watch (or our last patch) left, else
/// on the object as read, with that resourceVersion as precondition. A 409 reads again and
/// re-applies only our change; the outbox-id annotation skips entries Kubernetes already has.
/// Each call has its own timeout (a stalled connection costs one timeout, not the client's 100 s),
/// and a throttled one waits as long as the API server's <c>Retry-After</c> asks.
/// </summary>
public sealed class GameServerPatcher(IKubernetes client, string fleetId, Lease lease, ObservedGameServers observedServers, TimeSpan callTimeout,
    GameServerEvents events, AllocatorMetrics metrics, TimeProvider time, ILogger log)
{
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromMilliseconds(250);
    // A Retry-After beyond this is not believed: the term's callers are waiting.
    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries conflicts and transient errors until the change lands, the server is gone or has
    /// no room left, Kubernetes refuses it for good, or the term ends. Giving up is decided only
    /// on a fresh read, never on a cached copy.
    /// </summary>
    public async Task<PatchResult> PatchAsync(string key, IReadOnlyList<(string Entry, OutboxChange Change)> items, CancellationToken stopping)
    {
        var slash = key.IndexOf('/');
        var (ns, name) = (key[..slash], key[(slash + 1)..]);
        GameServer? observed = null;
        string? applied = null;
        // The copy the watch (or our last patch) left saves a read; after a 409, read.
        var cached = observedServers.TryGet(key, out var copy);
        while (true)
        {
            // A leader that lost its lease stops writing; its successor repeats what is left.
            if (!lease.StillHeld) throw new OperationCanceledException("lease lost");
            var patching = false;
            try
            {
                if (cached)
                {
                    observed = copy;
                }
                else
                {
                    using var reading = Call(stopping);
                    observed = AgonesGameServer.Read((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                        AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, reading.Token)).Server;
                    observedServers.Observe(observed);
                }

                // Entries Kubernetes already has (a predecessor's pass) landed, whatever happens now.
                applied = OutboxId.AppliedTo(observed, fleetId);
                var todo = items.Where(i => OutboxId.Compare(i.Entry, applied) > 0).ToList();
                if (todo.Count == 0) return Outcome("already_applied", PatchKind.Landed, null, applied);

                var delta = new ServerDelta();
                foreach (var item in todo) delta.Merge(item.Change.Delta);
                // Gone, or someone else used the room (or took the Ready server) meanwhile: the
                // sessions decided on it cannot be honoured; their callers get another server.
                if (!observed.IsCandidate || !delta.FitsOn(observed))
                {
                    if (cached)
                    {
                        cached = false;
                        continue;
                    }

                    return Outcome(observed.IsCandidate ? "no_room" : "gone", PatchKind.Gone, observed, applied);
                }

                var updated = observed.Clone();
                delta.ApplyTo(updated);
                var patch = GameServerPatch.Build(updated, delta, OutboxId.Mark(fleetId, todo[^1].Entry), observed.ResourceVersion ?? "", stateChanged: updated.State != observed.State);
                patching = true;
                using var writing = Call(stopping);
                var accepted = await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch),
                    AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, cancellationToken: writing.Token);
                observedServers.Observe(AgonesGameServer.Read((JsonElement)accepted).Server);
                events.Allocated((JsonElement)accepted, todo.Count, todo.SelectMany(i => i.Change.ActionErrors ?? []));
                return Outcome("applied", PatchKind.Landed, null, applied);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                observedServers.Forget(key);
                return Outcome("gone", PatchKind.Gone, null, applied);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
            {
                // Changed since the copy we used (the game server's SDK, Agones, or a stale copy): read it.
                metrics.WriteBack(cached ? "stale_copy" : "conflict");
                cached = false;
            }
            catch (HttpOperationException e) when (patching && (int?)e.Response?.StatusCode is 400 or 413 or 422)
            {
                // The patch itself is invalid (e.g. annotations over Kubernetes' size limit): retrying cannot help.
                return Outcome("refused", PatchKind.Refused, observed, applied, $"{(int)e.Response!.StatusCode} {e.Response.Content}");
            }
            catch (Exception e) when (!stopping.IsCancellationRequested && lease.StillHeld)
            {
                // Anything else (5xx, 401/403 while credentials or RBAC settle, a client timeout): again.
                cached = false;
                metrics.WriteBack("error");
                KubernetesLog.WriteBackFailed(log, key, e.Message);
                await Task.Delay(RetryAfter(e), time, stopping);
            }
        }
    }

    /// <summary>One call's cancellation: the term's, or this call's timeout.</summary>
    private CancellationTokenSource Call(CancellationToken stopping)
    {
        var call = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        call.CancelAfter(callTimeout);
        return call;
    }

    /// <summary>What a 429 (or 503) asks in <c>Retry-After</c> (seconds), else a short pause.</summary>
    private static TimeSpan RetryAfter(Exception e)
    {
        if (e is HttpOperationException { Response: { } response } && (int)response.StatusCode is 429 or 503
            && response.Headers is { } headers && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(Math.Min(seconds, LongestRetryAfter.TotalSeconds));
        }

        return RetryAfterError;
    }

    private PatchResult Outcome(string metric, PatchKind kind, GameServer? observed, string? applied, string reason = "")
    {
        metrics.WriteBack(metric);
        return new PatchResult(kind, observed, applied, reason);
    }
}

public enum PatchKind { Landed, Gone, Refused }

/// <param name="Observed">The server as last read (null when deleted): what the fleet takes when its changes are dropped.</param>
/// <param name="Applied">The last of our entries Kubernetes already had: those landed, even when the rest did not.</param>
public sealed record PatchResult(PatchKind Kind, GameServer? Observed, string? Applied, string Reason)
{
    public bool Landed(string entry) => Kind == PatchKind.Landed || OutboxId.Compare(entry, Applied) <= 0;
}
