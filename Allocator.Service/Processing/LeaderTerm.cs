using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// One leadership term, a fixed pipeline: begin (bump the epoch, take the warm copy of the
/// fleet, start the inventory source's side), wait until the source can be served, then the
/// batch loop until the lease is lost, the host stops or a newer version takes over. The
/// in-memory fleet lives only as long as the term.
/// </summary>
public sealed class LeaderTerm(
    LeaderConnection redis,
    BeginTermScript beginTerm,
    ReplicaAcks acks,
    ReleaseScript release,
    ReplicaIdentity replica,
    FleetFollower follower,
    IInventorySource inventory,
    BatchCommitter committer,
    BatchLoop loop,
    AllocatorMetrics metrics,
    KeyLayout keys,
    TimeProvider time,
    ILogger<LeaderTerm> log)
{
    /// <summary>Runs the term; returns when leadership ends. <paramref name="stopping"/> ends it gracefully between batches.</summary>
    public async Task RunAsync(Lease lease, CancellationToken stopping)
    {
        var db = redis.Database;
        var started = Stopwatch.StartNew();
        // begin_term names this replica the leader, after which it is no warm standby: the copy
        // the term is about to take must not be dropped meanwhile.
        follower.Claim();
        (long Epoch, long Commit)? begun;
        try
        {
            begun = await BeginAsync(db, lease, stopping);
        }
        catch
        {
            follower.Unclaim();
            throw;
        }

        if (begun is not var (epoch, commit))
        {
            follower.Unclaim();
            return;
        }

        metrics.TermBegan();
        IInventoryTerm? source = null;
        try
        {
            var (fleet, warm, loadMs) = await follower.TakeAsync();
            async Task<bool> CommitStartAsync()
            {
                if (!await CommitFleetAsync(db, lease, commit + 1, fleet)) return false;
                commit++;
                return true;
            }

            source = await inventory.BeginTermAsync(new TermStart(db, lease, fleet, CommitStartAsync), stopping);
            if (source is null) return;
            ProcessingLog.TermStarted(log, replica.Id, lease.Epoch, fleet.Count, warm ? "warm copy" : "full load", loadMs, started.ElapsedMilliseconds);
            await source.ReadyAsync(stopping);
            await loop.RunAsync(new Term(db, lease, fleet, source, started, commit), stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            if (source is not null) await source.DisposeAsync();
            metrics.SteppedDown(keys.Partition);
            await follower.ReleaseAsync();
        }
    }

    /// <summary>
    /// begin_term, then (with MinReplicas) the new epoch on enough replicas: the term's epoch and
    /// commit counter, or null when the lease was no longer ours or replicas did not answer in time.
    /// </summary>
    private async Task<(long Epoch, long Commit)?> BeginAsync(IDatabase db, Lease lease, CancellationToken stopping)
    {
        var begun = await beginTerm.RunAsync(db, lease.LockId, replica.Id, replica.Version, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (begun is not var (epoch, commit))
        {
            ProcessingLog.Fenced(log, replica.Id, 0);
            return null;
        }

        lease.Epoch = epoch;
        // The new epoch (which fences every older leader) is on MinReplicas replicas before this
        // term writes anything, and so is everything committed before it: the mark may rise.
        if (acks.Required)
        {
            if (!await acks.WaitAsync(db, keys.Commit, () => lease.StillHeld && !stopping.IsCancellationRequested)) return null;
            await release.RunAsync(db, commit, []);
        }

        return (epoch, commit);
    }

    /// <summary>
    /// The source's start-of-term changes (a seed), committed on their own before any request,
    /// so that undoing a batch (which reloads what it touched from Redis) can never undo them.
    /// </summary>
    private async Task<bool> CommitFleetAsync(IDatabase db, Lease lease, long number, Fleet fleet)
    {
        var (changed, removed) = fleet.TakeChanges();
        var committed = await committer.CommitAsync(db, lease, number, new DecidedBatch([], changed, removed));
        if (committed.Status != CommitStatus.Committed)
        {
            ProcessingLog.CommitRefused(log, replica.Id, lease.Epoch, committed.Status.ToString());
            return false;
        }

        fleet.Accept();
        return true;
    }
}
