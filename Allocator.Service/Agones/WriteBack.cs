using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Hosting;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Google.Protobuf;
using k8s;
using k8s.Autorest;
using k8s.Models;
using StackExchange.Redis;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes mode, one leadership term: applies the outbox to Kubernetes. Each pass takes the
/// pending entries in order, coalesces them per game server into one merge patch (computed on
/// the copy the watch or our last patch left, else on the object as read, with that
/// resourceVersion as precondition; a 409 reads again and re-applies only our change), then,
/// fenced, stores and sends the answers that waited (or Kubernetes' refusal), queues again the
/// requests whose server was gone or full, and drops the entries. The annotation
/// <see cref="OutboxId.Annotation"/> makes a pass idempotent: a new leader repeating the pass of
/// one that died skips what Kubernetes already has, so every write-back lands once.
/// </summary>
public sealed class WriteBack(
    IKubernetes client,
    string fleetId,
    IDatabase db,
    KeyLayout keys,
    Scripts scripts,
    Lease lease,
    WriteBackLedger ledger,
    KubernetesInventory inventory,
    AllocatorMetrics metrics,
    AllocatorOptions options,
    TimeProvider time,
    ILogger log)
{
    private static readonly TimeSpan RetryAfterError = TimeSpan.FromMilliseconds(250);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    // The newest outbox entry read so far: older ones no longer in the outbox are finished.
    private string? _lastSeen;
    private (long Since, int Passes, int Entries, int Servers, double Ms) _stats = (System.Diagnostics.Stopwatch.GetTimestamp(), 0, 0, 0, 0);

    /// <summary>A commit added an entry.</summary>
    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Runs passes until the term ends (cancelled, lease lost or fenced).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && lease.StillHeld)
        {
            try
            {
                var entries = await ReadAsync(options.Kubernetes.WriteBackBatch);
                if (entries.Count == 0)
                {
                    await WaitAsync(stopping);
                    continue;
                }

                if (!await PassAsync(entries, stopping)) return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested || !lease.StillHeld)
            {
                return;
            }
            catch (Exception e)
            {
                // Redis unreachable, or an outbox entry edited by hand: a pass can be repeated
                // (the outbox-id annotation), so try again after a poll interval.
                KubernetesLog.WriteBackStopped(log, e.Message);
                await WaitAsync(stopping);
            }
        }
    }

    private async Task<List<OutboxEntry>> ReadAsync(int count)
    {
        var entries = OutboxEntry.ReadAll(await db.StreamRangeAsync(keys.Outbox, "-", "+", count));
        ledger.ReleaseFinished(entries.FirstOrDefault()?.Id, _lastSeen);
        if (entries.Count > 0 && OutboxId.Compare(entries[^1].Id, _lastSeen) > 0) _lastSeen = entries[^1].Id;
        return entries;
    }

    private async Task WaitAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(options.PollInterval, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        try
        {
            await _signal.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            // The poll interval, or the end of the term (the loop checks it).
        }
    }

    /// <summary>One pass over <paramref name="entries"/>; false when fenced (the term is over).</summary>
    private async Task<bool> PassAsync(List<OutboxEntry> entries, CancellationToken stopping)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var servers = entries
            .SelectMany(e => e.Changes.Select(c => (Entry: e.Id, Change: c)))
            .GroupBy(x => x.Change.Key, StringComparer.Ordinal)
            .ToList();
        var results = new ConcurrentBag<(string Key, List<(string Entry, OutboxChange Change)> Items, PatchResult Result)>();
        // Servers are independent: each finds its outcome; the pass finishes them together.
        await Parallel.ForEachAsync(servers, new ParallelOptions { MaxDegreeOfParallelism = options.Kubernetes.WriteBackConcurrency, CancellationToken = stopping },
            async (server, token) =>
            {
                var items = server.ToList();
                results.Add((server.Key, items, await PatchAsync(server.Key, items, token)));
            });

        var answered = new List<HeldAnswer>();
        var requeued = new List<(string Entry, HeldAnswer Hold)>();
        foreach (var (key, items, result) in results)
        {
            answered.AddRange(items.Where(i => result.Landed(i.Entry)).SelectMany(i => i.Change.Holds));
            if (result.Kind == PatchKind.Landed) continue;

            var dropped = items.Where(i => !result.Landed(i.Entry)).SelectMany(i => i.Change.Holds.Select(h => (i.Entry, Hold: h))).ToList();
            if (result.Kind == PatchKind.Refused)
            {
                // Kubernetes will never take this change: the callers get its reason.
                var refusal = Outcomes.ToJson(Outcomes.Error(Grpc.Core.StatusCode.FailedPrecondition,
                    $"Kubernetes refused the allocation on game server {key}: {result.Reason}"));
                answered.AddRange(dropped.Select(d => d.Hold with { Outcome = refusal }));
                KubernetesLog.Refused(log, key, result.Reason);
            }
            else
            {
                requeued.AddRange(dropped);
                KubernetesLog.Gone(log, key, dropped.Count);
            }

            // Its changes up to this pass will never be written: the fleet takes what Kubernetes has.
            // Before the requests are queued again, so the batch that reads them no longer has the server.
            inventory.Vanished(key, result.Observed, items.MaxBy(i => i.Entry, OutboxId.Comparer).Entry);
        }

        // Released before they are queued again, so the batch that reads them decides them.
        ledger.Release(requeued.Select(r => r.Hold.RequestId));
        long? finished;
        try
        {
            finished = await FinishAsync(entries, answered, [.. requeued.Select(r => r.Hold)]);
        }
        catch
        {
            // Unknown whether the script ran: held again with their entries, which the next read
            // releases if they are gone (ReleaseFinished).
            foreach (var (entry, hold) in requeued) ledger.Hold(entry, [hold.RequestId]);
            throw;
        }

        if (finished is null)
        {
            KubernetesLog.WriteBackFenced(log, lease.Epoch);
            return false;
        }

        ledger.Release(answered.Select(h => h.RequestId));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var entry in entries) metrics.WriteBackLag(Math.Max(0, now - entry.AtUnixMs) / 1000.0);
        if (finished > 0) KubernetesLog.LateAnswers(log, finished.Value);
        Report(entries.Count, servers.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    private void Report(int entries, int servers, double ms)
    {
        _stats = (_stats.Since, _stats.Passes + 1, _stats.Entries + entries, _stats.Servers + servers, _stats.Ms + ms);
        if (System.Diagnostics.Stopwatch.GetElapsedTime(_stats.Since) < TimeSpan.FromSeconds(10)) return;
        KubernetesLog.WriteBackStats(log, lease.Epoch, _stats.Passes, _stats.Entries / (double)_stats.Passes, _stats.Servers / (double)_stats.Passes, _stats.Ms / _stats.Passes);
        _stats = (System.Diagnostics.Stopwatch.GetTimestamp(), 0, 0, 0, 0);
    }

    /// <summary>Stores and sends the held answers, queues the requeued requests, drops the entries. Null when fenced; else the late answers.</summary>
    private async Task<long?> FinishAsync(List<OutboxEntry> entries, List<HeldAnswer> answered, List<HeldAnswer> requeued)
    {
        var keyList = new List<RedisKey> { keys.Leader, keys.Epoch, keys.Outbox, keys.Requests };
        keyList.AddRange(answered.Select(h => keys.Result(h.RequestId)));
        keyList.AddRange(answered.Concat(requeued).Select(h => keys.Held(h.RequestId)));
        var args = new List<RedisValue> { lease.LockId, lease.Epoch, (long)options.ResultTtl.TotalMilliseconds, keys.Wake.ToString(), answered.Count };
        foreach (var h in answered)
        {
            // One message per answer: the script sends only the answers it could store.
            args.Add(h.Outcome);
            args.Add(h.Replica.Length > 0 ? keys.Reply(h.Replica).ToString() : "");
            args.Add(new ReplyBatch { Replies = { new Reply { RequestId = h.RequestId, Outcome = Outcomes.FromJson(h.Outcome) } } }.ToByteArray());
        }

        args.Add(requeued.Count);
        foreach (var h in requeued)
        {
            args.AddRange([10, EntryFields.Id, h.RequestId, EntryFields.Replica, h.Replica, EntryFields.Deadline, h.Deadline,
                EntryFields.TraceParent, h.TraceParent, EntryFields.Request, h.Request]);
        }

        args.Add(entries.Count);
        args.AddRange(entries.Select(e => (RedisValue)e.Id));

        var result = await scripts.WriteBack.RunAsync(db, [.. keyList], [.. args]);
        return result.Resp2Type == ResultType.Array ? (long)((RedisResult[])result!)[1] : null;
    }

    /// <summary>
    /// Writes one game server's changes (in entry order) back; retries conflicts and transient
    /// errors until it lands, the server is gone or has no room left, Kubernetes refuses it for
    /// good, or the term ends. Giving up is decided only on a fresh read, never on a cached copy.
    /// </summary>
    private async Task<PatchResult> PatchAsync(string key, List<(string Entry, OutboxChange Change)> items, CancellationToken stopping)
    {
        var slash = key.IndexOf('/');
        var (ns, name) = (key[..slash], key[(slash + 1)..]);
        GameServer? observed = null;
        string? applied = null;
        // The copy the watch (or our last patch) left saves a read; after a 409, read.
        var cached = inventory.Observed.TryGet(key, out var copy);
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
                    observed = AgonesGameServer.Read((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                        AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, stopping)).Server;
                    inventory.Observed.Observe(observed);
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
                var accepted = await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch),
                    AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, cancellationToken: stopping);
                inventory.Observed.Observe(AgonesGameServer.Read((JsonElement)accepted).Server);
                return Outcome("applied", PatchKind.Landed, null, applied);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                inventory.Observed.Forget(key);
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
                await Task.Delay(RetryAfterError, time, stopping);
            }
        }
    }

    private PatchResult Outcome(string metric, PatchKind kind, GameServer? observed, string? applied, string reason = "")
    {
        metrics.WriteBack(metric);
        return new PatchResult(kind, observed, applied, reason);
    }

    private enum PatchKind { Landed, Gone, Refused }

    /// <param name="Observed">The server as last read (null when deleted): what the fleet takes when its changes are dropped.</param>
    /// <param name="Applied">The last of our entries Kubernetes already had: those landed, even when the rest did not.</param>
    private sealed record PatchResult(PatchKind Kind, GameServer? Observed, string? Applied, string Reason)
    {
        public bool Landed(string entry) => Kind == PatchKind.Landed || OutboxId.Compare(entry, Applied) <= 0;
    }
}
