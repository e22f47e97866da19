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
/// the object as just read, with its resourceVersion as precondition; a 409 reads again and
/// re-applies only our change), then, fenced, stores and sends the answers that waited, queues
/// again the requests whose server was gone, and drops the entries. The annotation
/// <see cref="OutboxId.Annotation"/> makes a pass idempotent: a new leader repeating the pass of
/// one that died skips what Kubernetes already has, so every write-back lands once.
/// </summary>
public sealed class WriteBack(
    IKubernetes client,
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

    /// <summary>A commit added an entry.</summary>
    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Held request ids of the entries pending now (a new term must know them before its first batch).</summary>
    public async Task<IReadOnlyList<string>> HeldRequestsAsync() =>
        [.. (await ReadAsync(count: int.MaxValue)).SelectMany(e => e.Changes).SelectMany(c => c.Holds).Select(h => h.RequestId)];

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
            catch (OperationCanceledException)
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
        var raw = await db.StreamRangeAsync(keys.Outbox, "-", "+", count == int.MaxValue ? null : count);
        return [.. raw.Select(e => OutboxEntry.Read(e.Id!, (long)e[OutboxEntry.AtField], (string)e[OutboxEntry.ChangesField]!))];
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
        var servers = entries
            .SelectMany(e => e.Changes.Select(c => (Entry: e.Id, Change: c)))
            .GroupBy(x => x.Change.Key, StringComparer.Ordinal)
            .ToList();
        var results = new ConcurrentBag<(string Key, List<HeldAnswer> Holds, PatchResult Result)>();
        await Parallel.ForEachAsync(servers, new ParallelOptions { MaxDegreeOfParallelism = options.Kubernetes.WriteBackConcurrency, CancellationToken = stopping },
            async (server, token) =>
            {
                var items = server.ToList();
                results.Add((server.Key, [.. items.SelectMany(i => i.Change.Holds)], await PatchAsync(server.Key, items, token)));
            });

        var answered = results.Where(r => !r.Result.Gone).SelectMany(r => r.Holds).ToList();
        var requeued = results.Where(r => r.Result.Gone).SelectMany(r => r.Holds).ToList();
        foreach (var gone in results.Where(r => r.Result.Gone))
        {
            KubernetesLog.Gone(log, gone.Key, gone.Holds.Count);
            // Before the requests are queued again, so the batch that reads them no longer has the server.
            inventory.Vanished(gone.Key, gone.Result.Observed);
        }

        ledger.Release(requeued.Select(h => h.RequestId));
        var finished = await FinishAsync(entries, answered, requeued);
        if (finished is null)
        {
            KubernetesLog.WriteBackFenced(log, lease.Epoch);
            return false;
        }

        ledger.Release(answered.Select(h => h.RequestId));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var entry in entries) metrics.WriteBackLag(Math.Max(0, now - entry.AtUnixMs) / 1000.0);
        if (finished > 0) KubernetesLog.LateAnswers(log, finished.Value);
        return true;
    }

    /// <summary>Stores and sends the held answers, queues the requeued requests, drops the entries. Null when fenced; else the late answers.</summary>
    private async Task<long?> FinishAsync(List<OutboxEntry> entries, List<HeldAnswer> answered, List<HeldAnswer> requeued)
    {
        var keyList = new List<RedisKey> { keys.Leader, keys.Epoch, keys.Outbox, keys.Requests };
        keyList.AddRange(answered.Select(h => keys.Result(h.RequestId)));
        var args = new List<RedisValue> { lease.LockId, lease.Epoch, (long)options.ResultTtl.TotalMilliseconds, keys.Wake.ToString() };
        args.AddRange(answered.Select(h => (RedisValue)h.Outcome));

        var replies = answered.Where(h => h.Replica.Length > 0).GroupBy(h => h.Replica).ToList();
        args.Add(replies.Count);
        foreach (var group in replies)
        {
            var message = new ReplyBatch();
            message.Replies.AddRange(group.Select(h => new Reply { RequestId = h.RequestId, Outcome = Outcomes.FromJson(h.Outcome) }));
            args.Add(keys.Reply(group.Key).ToString());
            args.Add(message.ToByteArray());
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
    /// errors until it lands, the server is gone, or the term ends.
    /// </summary>
    private async Task<PatchResult> PatchAsync(string key, List<(string Entry, OutboxChange Change)> items, CancellationToken stopping)
    {
        var slash = key.IndexOf('/');
        var (ns, name) = (key[..slash], key[(slash + 1)..]);
        while (true)
        {
            // A leader that lost its lease stops writing; its successor repeats what is left.
            if (!lease.StillHeld) throw new OperationCanceledException("lease lost");
            try
            {
                var (server, resourceVersion) = AgonesGameServer.Read((JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(
                    AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, stopping));
                if (!server.IsCandidate)
                {
                    metrics.WriteBack("gone");
                    return new PatchResult(Gone: true, server);
                }

                var applied = server.Annotations.GetValueOrDefault(OutboxId.Annotation);
                var todo = items.Where(i => OutboxId.Compare(i.Entry, applied) > 0).ToList();
                if (todo.Count == 0)
                {
                    metrics.WriteBack("already_applied");
                    return PatchResult.Landed;
                }

                var delta = new ServerDelta();
                foreach (var item in todo) delta.Merge(item.Change.Delta);
                delta.ApplyTo(server);
                var patch = GameServerPatch.Build(server, delta, todo[^1].Entry, resourceVersion);
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch),
                    AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural, name, cancellationToken: stopping);
                metrics.WriteBack("applied");
                return PatchResult.Landed;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                metrics.WriteBack("gone");
                return new PatchResult(Gone: true, null);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
            {
                // Someone (the game server's SDK, Agones) changed it since we read it: read again.
                metrics.WriteBack("conflict");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                metrics.WriteBack("error");
                KubernetesLog.WriteBackFailed(log, key, e.Message);
                await Task.Delay(RetryAfterError, time, stopping);
            }
        }
    }

    private sealed record PatchResult(bool Gone, GameServer? Observed)
    {
        public static readonly PatchResult Landed = new(false, null);
    }
}
