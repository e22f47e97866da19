using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Where the fleet's occupancy comes from, plugged into the leader's term. Exactly one is
/// registered, by the folder that implements it; the term's pipeline calls it at fixed points
/// and knows no implementation.
/// </summary>
public interface IInventorySource
{
    /// <summary>
    /// A term has begun (epoch bumped, fleet taken): start this source's side of it. Redis reads
    /// come first, so a term that cannot start leaves nothing running. Null when the term
    /// cannot go on (a commit of its own was refused).
    /// </summary>
    Task<IInventoryTerm?> BeginTermAsync(TermStart start, CancellationToken stopping);

    /// <summary>
    /// Before this replica is ready: run this source's leader path once, harmlessly (every
    /// fenced script refuses <paramref name="notOurs"/>), so a new leader starts warm.
    /// </summary>
    Task RehearseAsync(IDatabase db, Lease notOurs);
}

/// <summary>What a source gets when a term begins.</summary>
/// <param name="CommitFleetAsync">Commits the fleet's changes so far on their own, before any request; false when refused (the term ends).</param>
public sealed record TermStart(IDatabase Db, Lease Lease, Fleet Fleet, Func<Task<bool>> CommitFleetAsync);

/// <summary>
/// A source's side of one leadership term. The batch loop calls it in this order for each
/// batch, never concurrently: <see cref="BeginBatch"/> (again when a conflict makes the batch
/// be decided afresh), then while deciding <see cref="ApplyRequest"/>, <see cref="IsHeld"/> and
/// <see cref="Record"/>, then <see cref="Committing"/>, then <see cref="Committed"/> or
/// <see cref="NotCommitted"/>. Disposing it ends whatever the source runs for the term.
/// </summary>
public interface IInventoryTerm : IAsyncDisposable
{
    /// <summary>Completes when the fleet can be served (e.g. a first listing); awaited once, before the first batch.</summary>
    Task ReadyAsync(CancellationToken stopping);

    /// <summary>
    /// A batch is being decided: forget what was recorded for an earlier attempt and apply to
    /// the fleet what the source observed. True when that alone is worth a commit.
    /// </summary>
    bool BeginBatch(Fleet fleet);

    /// <summary>A change from the inventory stream (the stand-alone inventory API), decided in queue order.</summary>
    Outcome ApplyRequest(Fleet fleet, QueuedRequest request);

    /// <summary>Whether allocations must be recorded (the engine then keeps each server as it was before).</summary>
    bool RecordsAllocations { get; }

    /// <summary>A retry of a call whose answer waits for the source: neither decided again nor answered now.</summary>
    bool IsHeld(string requestId);

    /// <summary>One allocation was decided; true when its answer must wait for the source to confirm it.</summary>
    bool Record(QueuedRequest request, AllocationSpec spec, GameServer before, GameServer after, Outcome outcome);

    /// <summary>The batch is about to be committed: the source's part of the commit.</summary>
    CommitWrite Committing(CommitWrite write, DateTimeOffset now);

    /// <summary>The commit did not happen.</summary>
    void NotCommitted();

    /// <summary>The commit happened.</summary>
    void Committed();
}
