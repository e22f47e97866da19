using System.Diagnostics;
using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Service.Hosting;
using Allocator.Service.Inventory;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// One leadership term: bump the epoch, load the occupancy hash, add missing seed servers,
/// answer what earlier leaders left pending, then loop read -> decide -> commit until the
/// lease is lost or the host stops. The in-memory fleet lives only as long as the term.
/// </summary>
public sealed class LeaderTerm(
    IConnectionMultiplexer redis,
    KeyLayout keys,
    Scripts scripts,
    ReplicaIdentity replica,
    Membership membership,
    WakeSignal wake,
    BatchCommitter committer,
    FleetFollower follower,
    KubernetesMode kubernetes,
    AllocatorMetrics metrics,
    IOptions<AllocatorOptions> options,
    TimeProvider time,
    ILogger<LeaderTerm> log)
{
    /// <summary>Runs the term; returns when leadership ends. <paramref name="stopping"/> ends it gracefully between batches.</summary>
    public async Task RunAsync(Lease lease, CancellationToken stopping)
    {
        var db = redis.GetDatabase();
        var started = Stopwatch.StartNew();
        var begun = (RedisResult[])(await scripts.BeginTerm.RunAsync(db, [keys.Leader, keys.Epoch, keys.LeaderInfo, keys.Requests, keys.Inventory, keys.Seed],
            [lease.LockId, replica.Id, replica.Version, time.GetUtcNow().ToUnixTimeMilliseconds(), KeyLayout.ProcessorGroup]))!;
        var epoch = (long)begun[0];
        if (epoch < 0)
        {
            ProcessingLog.Fenced(log, replica.Id, 0);
            return;
        }

        lease.Epoch = epoch;
        metrics.TermBegan();
        KubernetesTerm? k8s = null;
        try
        {
            var (fleet, warm, loadMs) = await follower.TakeAsync();
            k8s = await kubernetes.BeginAsync(db, lease, epoch);
            var seed = options.Value.Inventory;
            var fingerprint = FleetSeed.Fingerprint(seed.DemoFleet, seed.SeedFile);
            var seedPending = (string?)begun[1] != fingerprint;
            var seeded = seedPending ? FleetSeed.AddMissing(fleet, FleetSeed.FromOptions(seed.DemoFleet, seed.SeedFile)) : 0;
            ProcessingLog.TermStarted(log, replica.Id, epoch, fleet.Count, warm ? "warm copy" : "full load", loadMs, seeded, started.ElapsedMilliseconds);

            var decider = new BatchDecider(fleet, new AllocationEngine(fleet, new Random()), options.Value.AnswerMargin + options.Value.SettleTimeout, k8s?.Ledger);
            var reader = new BatchReader(keys, scripts, replica);

            if (seedPending)
            {
                // The seed is committed on its own, before any request, so that undoing a batch
                // (which reloads what it touched from Redis) can never undo the seed.
                var committed = await committer.CommitAsync(db, lease, decider.Decide([], new Dictionary<string, string>(), time.GetUtcNow()));
                if (committed.Status != CommitStatus.Committed)
                {
                    ProcessingLog.CommitRefused(log, replica.Id, epoch, committed.Status.ToString());
                    return;
                }

                fleet.Accept();
                await db.StringSetAsync(keys.Seed, fingerprint);
            }

            if (k8s is not null) await k8s.ListedAsync(stopping);

            // Not before the first batch: callers have been waiting through the hand-over.
            var nextSuccessionCheck = time.GetUtcNow() + options.Value.HeartbeatInterval;
            var nextSnapshot = nextSuccessionCheck;
            var answered = false;
            var publishedShapes = "";
            var stats = new BatchStats();
            while (!stopping.IsCancellationRequested && membership.Ready)
            {
                if (!lease.StillHeld)
                {
                    ProcessingLog.LeaseExpired(log, replica.Id, epoch);
                    return;
                }

                if (time.GetUtcNow() >= nextSuccessionCheck)
                {
                    nextSuccessionCheck = time.GetUtcNow() + options.Value.HeartbeatInterval;
                    publishedShapes = await PublishIndexShapesAsync(db, fleet, publishedShapes);
                    if (time.GetUtcNow() >= nextSnapshot)
                    {
                        // A pass over the whole fleet: every few seconds is enough for a gauge.
                        nextSnapshot = time.GetUtcNow() + LeaderSnapshot.Interval;
                        metrics.Leading(new LeaderSnapshot(epoch, await StreamBacklog.ReadAsync(db, keys), FleetTally.Of(fleet.Servers)));
                    }
                    if (await membership.NewerLeaderCandidateAsync(leading: true) is { } newer)
                    {
                        // Between batches: nothing is in hand. The lease is released and announced next.
                        ProcessingLog.HandingOver(log, replica.Id, epoch, newer.Replica, newer.Version);
                        return;
                    }
                }

                var batchStarted = Stopwatch.GetTimestamp();
                IReadOnlyList<QueuedRequest>? batch = reader.Claiming
                    ? await reader.ClaimAsync(db, options.Value.BatchSize)
                    : await reader.ReadAsync(db, lease, options.Value.BatchSize);
                if (batch is null)
                {
                    ProcessingLog.Fenced(log, replica.Id, epoch);
                    return;
                }

                var readTicks = Stopwatch.GetTimestamp() - batchStarted;
                var committed = await DecideAndCommitAsync(db, lease, reader, decider, fleet, batch, stats, readTicks, k8s);
                stats.ReportEvery(TimeSpan.FromSeconds(10), log, epoch);
                if (committed is null)
                {
                    if (!reader.Claiming) await wake.WaitAsync(options.Value.PollInterval, time, stopping);
                    continue;
                }

                if (committed.Status != CommitStatus.Committed)
                {
                    ProcessingLog.CommitRefused(log, replica.Id, epoch, committed.Status.ToString());
                    return;
                }

                if (!answered && batch.Count > 0)
                {
                    answered = true;
                    var waited = OldestWait(batch);
                    metrics.FailoverGap(waited.TotalSeconds);
                    ProcessingLog.FirstAnswers(log, replica.Id, epoch, started.ElapsedMilliseconds, batch.Count, Stopwatch.GetElapsedTime(batchStarted).TotalMilliseconds, (long)waited.TotalMilliseconds);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (k8s is not null) await k8s.DisposeAsync();
            metrics.SteppedDown();
            follower.Release();
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
    /// the batch in memory and decides it again, now seeing those answers. In Kubernetes mode
    /// what the watches reported since the last batch goes first, into the same commit as the
    /// resourceVersions it brings the hash to (after the batch was read: a request the
    /// write-back queued again never meets the server it found gone).
    /// </summary>
    private async Task<CommitResult?> DecideAndCommitAsync(IDatabase db, Lease lease, BatchReader reader, BatchDecider decider, Fleet fleet, IReadOnlyList<QueuedRequest> batch, BatchStats stats, long readTicks, KubernetesTerm? k8s)
    {
        var observed = k8s?.Drain() ?? [];
        while (true)
        {
            // Stand-alone mode has no watch: nothing to carry (the hot path stays as it was).
            var positions = k8s is null ? null : new Dictionary<string, string>(StringComparer.Ordinal);
            if (observed.Count > 0) k8s!.Apply(fleet, observed, positions!);
            var t0 = Stopwatch.GetTimestamp();
            var stored = await reader.StoredResultsAsync(db, batch);
            var t1 = Stopwatch.GetTimestamp();
            using var span = AllocatorTracing.StartBatch(batch, lease.Epoch);
            var decided = decider.Decide(batch, stored, time.GetUtcNow());
            if (positions is not null) decided = decided with { WatchPositions = positions };
            if (decided.IsEmpty) return null;

            var t2 = Stopwatch.GetTimestamp();
            k8s?.Ledger.Committing(decided.Outbox);
            var result = await committer.CommitAsync(db, lease, decided);
            if (result.Status != CommitStatus.Committed) k8s?.Ledger.NotCommitted(decided.Outbox);
            metrics.Batch(batch.Count);
            stats.Add(batch.Count, readTicks, t1 - t0, t2 - t1, Stopwatch.GetTimestamp() - t2);
            if (result.Status == CommitStatus.Committed)
            {
                fleet.Accept();
                k8s?.Committed(decided);
                return result;
            }

            // Each conflict adds at least one settled answer to the next round: this ends.
            if (result.Status != CommitStatus.Conflict) return result;
            fleet.Restore(await StoredServersAsync(db, fleet.Touched));
            ProcessingLog.CommitConflict(log, result.ConflictingRequests.Count);
        }
    }

    /// <summary>Lets standbys build the indexes this leader uses, so a successor's first batch is as fast as the rest.</summary>
    private async Task<string> PublishIndexShapesAsync(IDatabase db, Fleet fleet, string published)
    {
        var shapes = IndexShape.ToJson(fleet.IndexShapes.OrderBy(s => s.Signature, StringComparer.Ordinal));
        if (shapes != published) await db.StringSetAsync(keys.IndexShapes, shapes);
        return shapes;
    }

    private async Task<List<(string, GameServer?)>> StoredServersAsync(IDatabase db, IReadOnlyCollection<string> keysTouched)
    {
        var fields = keysTouched.Select(k => (RedisValue)k).ToArray();
        var values = await db.HashGetAsync(keys.GameServers, fields);
        return fields.Select((field, i) => ((string)field!, values[i].HasValue ? GameServerJson.Deserialize(values[i]!) : null)).ToList();
    }
}
