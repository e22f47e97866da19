using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Processing;

public enum ChoreOutcome { Continue, HandOver }

/// <summary>
/// What a leader does between batches once per heartbeat: publish its index shapes (standbys
/// build the same indexes), refresh the leader gauges (every few seconds: a pass over the
/// whole fleet), and yield to a ready replica of a newer version, or, when this replica leads
/// more than its share of the partitions, to one that leads less.
/// </summary>
public sealed class TermChores(
    KeyLayout keys,
    Membership membership,
    LeaderShare share,
    ReplicaIdentity replica,
    AllocatorMetrics metrics,
    IOptions<LeadershipOptions> options,
    TimeProvider time,
    ILogger<TermChores> log)
{
    /// <summary>When each chore is next due; the first ones only after the first batch (callers have been waiting through the hand-over).</summary>
    public sealed class Due
    {
        public DateTimeOffset SuccessionCheck;
        public DateTimeOffset Snapshot;
        public string PublishedShapes = "";
    }

    public Due Schedule()
    {
        var first = time.GetUtcNow() + options.Value.HeartbeatInterval;
        return new Due { SuccessionCheck = first, Snapshot = first };
    }

    public async Task<ChoreOutcome> RunDueAsync(Term term, Due due)
    {
        if (time.GetUtcNow() < due.SuccessionCheck) return ChoreOutcome.Continue;
        due.SuccessionCheck = time.GetUtcNow() + options.Value.HeartbeatInterval;
        var shapes = IndexShape.ToJson(term.Fleet.IndexShapes.OrderBy(s => s.Signature, StringComparer.Ordinal));
        if (shapes != due.PublishedShapes) await term.Db.StringSetAsync(keys.IndexShapes, shapes);
        due.PublishedShapes = shapes;
        if (time.GetUtcNow() >= due.Snapshot)
        {
            due.Snapshot = time.GetUtcNow() + LeaderSnapshot.Interval;
            metrics.Leading(keys.Partition, new LeaderSnapshot(term.Epoch, await StreamBacklog.ReadAsync(term.Db, keys), FleetTally.Of(term.Fleet.Servers)));
        }

        // Between batches: nothing is in hand. The lease is released and announced next.
        var successors = await membership.SuccessorsAsync(leading: true);
        if (successors.Newer is { } newer)
        {
            ProcessingLog.HandingOver(log, replica.Id, term.Epoch, newer.Replica, newer.Version);
            return ChoreOutcome.HandOver;
        }

        if (successors.Lighter is { } lighter && share.TryHandOver(options.Value.HeartbeatInterval))
        {
            ProcessingLog.HandingOverForBalance(log, keys.Partition, replica.Id, share.Leading, term.Epoch, lighter.Replica, lighter.Leads);
            return ChoreOutcome.HandOver;
        }

        return ChoreOutcome.Continue;
    }
}
