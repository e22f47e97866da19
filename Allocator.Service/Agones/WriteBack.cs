using System.Collections.Concurrent;
using System.Threading.Channels;
using Allocator.Queue.V1;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Google.Protobuf;
using StackExchange.Redis;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes mode, one leadership term: applies the outbox to Kubernetes. Each pass takes the
/// pending entries in order, has each game server's changes patched (<see cref="GameServerPatcher"/>),
/// then, fenced, stores and sends the answers that waited (or Kubernetes' refusal), queues again
/// the requests whose server was gone or full, and drops the entries. The outbox-id annotation
/// makes a pass idempotent: a new leader repeating the pass of one that died skips what
/// Kubernetes already has, so every write-back lands once.
/// </summary>
public sealed class WriteBack(
    GameServerPatcher patcher,
    IDatabase db,
    KeyLayout keys,
    WriteBackScript finish,
    Lease lease,
    WriteBackLedger ledger,
    KubernetesInventory inventory,
    WriteBackSettings settings,
    AllocatorMetrics metrics,
    TimeProvider time,
    ILogger log)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly WriteBackStats _stats = new();
    // The newest outbox entry read so far: older ones no longer in the outbox are finished.
    private string? _lastSeen;

    /// <summary>A commit added an entry.</summary>
    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Runs passes until the term ends (cancelled, lease lost or fenced).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && lease.StillHeld)
        {
            try
            {
                var entries = await ReadAsync(settings.Batch);
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
                log.Report(e, "Writing back", KubernetesLog.WriteBackStopped);
                await WaitAsync(stopping);
            }
        }
    }

    /// <summary>The pending entries, oldest first, up to the newest confirmed one (a commit not yet replicated is not written back).</summary>
    private async Task<List<OutboxEntry>> ReadAsync(int count)
    {
        var confirmed = ledger.ConfirmedThrough;
        var entries = OutboxEntry.ReadAll(await db.StreamRangeAsync(keys.Outbox, "-", "+", count));
        ledger.ReleaseFinished(entries.FirstOrDefault()?.Id, _lastSeen);
        if (entries.Count > 0 && OutboxId.Compare(entries[^1].Id, _lastSeen) > 0) _lastSeen = entries[^1].Id;
        return entries.TakeWhile(e => OutboxId.Compare(e.Id, confirmed) <= 0).ToList();
    }

    private async Task WaitAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(settings.PollInterval, time);
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
        var committedAt = entries.ToDictionary(e => e.Id, e => e.AtUnixMs, StringComparer.Ordinal);
        // Servers are independent: each one's answers go out as its patch lands; the pass then
        // finishes what did not land, and drops the entries, in one fenced script.
        var landed = new LandedAnswers(db, finish, lease, ledger, settings.ResultTtl).Start();
        try
        {
            await Parallel.ForEachAsync(servers, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = stopping },
                async (server, token) =>
                {
                    var items = server.ToList();
                    var result = await patcher.PatchAsync(server.Key, items, token);
                    results.Add((server.Key, items, result));
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var accepted = items.Where(i => result.Landed(i.Entry)).ToList();
                    foreach (var item in accepted) metrics.WriteBackLag(Math.Max(0, now - committedAt[item.Entry]) / 1000.0);
                    landed.Add(accepted.SelectMany(i => i.Change.Holds));
                });
        }
        finally
        {
            await landed.CompleteAsync();
        }

        var answered = new List<HeldAnswer>(landed.Unsent);
        var requeued = new List<(string Entry, HeldAnswer Hold)>();
        foreach (var (key, items, result) in results)
        {
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
        long? late;
        try
        {
            late = await finish.RunAsync(db, Finish(entries, answered, requeued.Select(r => r.Hold)));
        }
        catch
        {
            // Unknown whether the script ran: held again with their entries, which the next read
            // releases if they are gone (ReleaseFinished).
            foreach (var (entry, hold) in requeued) ledger.Hold(entry, [hold.RequestId]);
            throw;
        }

        if (late is null)
        {
            KubernetesLog.WriteBackFenced(log, lease.Epoch);
            return false;
        }

        ledger.Release(answered.Select(h => h.RequestId));
        late += landed.Late;
        if (late > 0) KubernetesLog.LateAnswers(log, late.Value);
        _stats.Add(entries.Count, servers.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, log, lease.Epoch);
        return true;
    }

    /// <summary>One message per answer: the script sends only the answers it could store.</summary>
    private WriteBackFinish Finish(List<OutboxEntry> entries, List<HeldAnswer> answered, IEnumerable<HeldAnswer> requeued) => new(lease.LockId, lease.Epoch, settings.ResultTtl)
    {
        Answers = answered.Select(LandedAnswers.Finished).ToList(),
        Requeued = requeued.Select(h => new RequeuedRequest(h.RequestId,
        [
            new(EntryFields.Id, h.RequestId),
            new(EntryFields.Replica, h.Replica),
            new(EntryFields.Deadline, h.Deadline),
            new(EntryFields.TraceParent, h.TraceParent),
            new(EntryFields.Request, h.Request),
        ])).ToList(),
        FinishedEntries = entries.Select(e => e.Id).ToList(),
    };
}

/// <summary>A write-back's limits: entries per pass, patches in flight, the safety poll, and how long stored answers live.</summary>
public sealed record WriteBackSettings(int Batch, int Concurrency, TimeSpan PollInterval, TimeSpan ResultTtl);

/// <summary>Write-back passes summed over a period and logged, then reset.</summary>
internal sealed class WriteBackStats
{
    private long _since = System.Diagnostics.Stopwatch.GetTimestamp();
    private int _passes, _entries, _servers;
    private double _ms;

    public void Add(int entries, int servers, double ms, ILogger log, long epoch)
    {
        (_passes, _entries, _servers, _ms) = (_passes + 1, _entries + entries, _servers + servers, _ms + ms);
        if (System.Diagnostics.Stopwatch.GetElapsedTime(_since) < TimeSpan.FromSeconds(10)) return;
        KubernetesLog.WriteBackStats(log, epoch, _passes, _entries / (double)_passes, _servers / (double)_passes, _ms / _passes);
        (_since, _passes, _entries, _servers, _ms) = (System.Diagnostics.Stopwatch.GetTimestamp(), 0, 0, 0, 0);
    }
}
