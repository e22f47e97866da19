using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// The term's batch loop: between batches the chores (and a hand-over when they say so), then
/// read -> decide -> commit -> answer, until the lease is lost, a commit is refused or the
/// host stops. Answers go out inside the commit (replies grouped by replica).
/// </summary>
public sealed class BatchLoop(
    KeyLayout keys,
    TermChores chores,
    BatchCommitter committer,
    WakeSignal wake,
    Leadership.Membership membership,
    ReplicaIdentity replica,
    AllocatorMetrics metrics,
    IOptions<ProcessingOptions> options,
    IOptions<QueueOptions> queue,
    TimeProvider time,
    ILogger<BatchLoop> log)
{
    public async Task RunAsync(Term term, CancellationToken stopping)
    {
        var reader = new BatchReader(keys, replica, time);
        var decider = new BatchDecider(term.Fleet, new AllocationEngine(term.Fleet, new Random()), queue.Value.SettleLead, term.Source);
        var due = chores.Schedule();
        var answered = false;
        var stats = new BatchStats();
        while (!stopping.IsCancellationRequested && membership.Ready)
        {
            if (!term.Lease.StillHeld)
            {
                // Lost with the connection, the lease is part of a Redis outage RedisOutage has reported.
                if (term.Db.Multiplexer.IsConnected) ProcessingLog.LeaseExpired(log, replica.Id, term.Epoch);
                else ProcessingLog.LeaseLostWithRedis(log, replica.Id, term.Epoch);
                return;
            }

            if (await chores.RunDueAsync(term, due) == ChoreOutcome.HandOver) return;

            var batchStarted = Stopwatch.GetTimestamp();
            var batch = await reader.NextAsync(term.Db, options.Value.BatchSize);
            var readTicks = Stopwatch.GetTimestamp() - batchStarted;
            var committed = await DecideAndCommitAsync(term, reader, decider, batch, stats, readTicks);
            stats.ReportEvery(TimeSpan.FromSeconds(10), log, term.Epoch);
            if (committed is null)
            {
                if (!reader.Claiming) await wake.WaitAsync(options.Value.PollInterval, time, stopping);
                continue;
            }

            if (committed.Status != CommitStatus.Committed)
            {
                ProcessingLog.CommitRefused(log, replica.Id, term.Epoch, committed.Status.ToString());
                return;
            }

            if (!answered && batch.Count > 0)
            {
                answered = true;
                var waited = OldestWait(batch);
                metrics.FailoverGap(waited.TotalSeconds);
                ProcessingLog.FirstAnswers(log, replica.Id, term.Epoch, term.Started.ElapsedMilliseconds, batch.Count, Stopwatch.GetElapsedTime(batchStarted).TotalMilliseconds, (long)waited.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// How long the oldest request of the term's first batch had waited (stream ids carry the
    /// enqueue time): the gap callers saw while no leader answered.
    /// </summary>
    private TimeSpan OldestWait(IReadOnlyList<QueuedRequest> batch)
    {
        var now = time.GetUtcNow();
        var oldestMs = batch.Min(r => long.TryParse(r.StreamId.AsSpan(0, Math.Max(0, r.StreamId.IndexOf('-'))), out var ms) ? ms : long.MaxValue);
        return oldestMs < now.ToUnixTimeMilliseconds() ? now - DateTimeOffset.FromUnixTimeMilliseconds(oldestMs) : TimeSpan.Zero;
    }

    /// <summary>
    /// Decides and commits one batch; null when there was nothing to commit. A conflict (a
    /// front stored a final answer at its deadline while the batch was being decided) undoes
    /// the batch in memory and decides it again, now seeing those answers. What the inventory
    /// source observed is applied after the batch was read, at the start of each decision.
    /// </summary>
    private async Task<CommitResult?> DecideAndCommitAsync(Term term, BatchReader reader, BatchDecider decider, IReadOnlyList<QueuedRequest> batch, BatchStats stats, long readTicks)
    {
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            var stored = await reader.StoredResultsAsync(term.Db, batch);
            var t1 = Stopwatch.GetTimestamp();
            using var span = AllocatorTracing.StartBatch(batch, term.Epoch);
            var decided = decider.Decide(batch, stored, time.GetUtcNow());
            if (decided.IsEmpty) return null;

            var t2 = Stopwatch.GetTimestamp();
            var result = await CommitAsync(term, decided);
            metrics.Batch(batch.Count);
            stats.Add(batch.Count, readTicks, t1 - t0, t2 - t1, Stopwatch.GetTimestamp() - t2);
            if (result.Status == CommitStatus.Committed)
            {
                term.Fleet.Accept();
                return result;
            }

            // Each conflict adds at least one settled answer to the next round: this ends.
            if (result.Status != CommitStatus.Conflict) return result;
            term.Fleet.Restore(await StoredServersAsync(term, term.Fleet.Touched));
            ProcessingLog.CommitConflict(log, result.ConflictingRequests.Count);
        }
    }

    private async Task<CommitResult> CommitAsync(Term term, DecidedBatch decided)
    {
        // A commit whose outcome is unknown (Redis failed), or that replicas did not acknowledge
        // while the lease was ours, ends the term: the source's side ends with it.
        var result = await committer.CommitAsync(term.Db, term.Lease, term.Commit + 1, decided, term.Source);
        switch (result.Status)
        {
            case CommitStatus.Committed:
                term.Commit++;
                term.Source.Committed();
                break;
            case CommitStatus.Unreplicated:
                break;
            default:
                term.Source.NotCommitted();
                break;
        }

        return result;
    }

    private async Task<List<(string, Allocation.GameServer?)>> StoredServersAsync(Term term, IReadOnlyCollection<string> touched)
    {
        var fields = touched.Select(k => (RedisValue)k).ToArray();
        var values = await term.Db.HashGetAsync(keys.GameServers, fields);
        return fields.Select((field, i) => ((string)field!, values[i].HasValue ? GameServerJson.Deserialize(values[i]!) : null)).ToList();
    }
}
