using System.Collections.Concurrent;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Queue;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes mode, one leadership term: records what each allocation of a batch changed, as the
/// game server's pending write and as the batch's outbox entry, and decides which answers wait
/// for Kubernetes. Knows which request ids are held in the outbox, so a caller's retry with the
/// same id is not allocated twice. No I/O.
/// </summary>
public sealed class WriteBackLedger(long epoch, bool writeBehind)
{
    // Held request id -> the outbox entry holding its answer.
    private readonly ConcurrentDictionary<string, string> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OutboxChange> _batch = new(StringComparer.Ordinal);
    // Request ids whose answers the batch being decided holds (not committed yet).
    private readonly HashSet<string> _batchHeld = new(StringComparer.Ordinal);
    private long _sequence = 1;
    private string? _confirmed;

    /// <summary>The id the outbox entry of the batch being decided will have.</summary>
    public string NextId => OutboxId.Of(epoch, _sequence);

    /// <summary>
    /// The newest outbox entry whose commit is confirmed (acknowledged by MinReplicas Redis
    /// replicas, or simply committed when none are required): no write-back starts for a later one.
    /// </summary>
    public string? ConfirmedThrough => Volatile.Read(ref _confirmed);

    /// <summary>Entries up to <paramref name="entryId"/> are confirmed (at term start: all that were there).</summary>
    public void Confirm(string entryId) => Volatile.Write(ref _confirmed, entryId);

    /// <summary>Whether the answer to this id waits for Kubernetes: in the outbox, or in the batch being decided.</summary>
    public bool IsHeld(string requestId) => _held.ContainsKey(requestId) || _batchHeld.Contains(requestId);

    /// <summary>The answers of <paramref name="entry"/> wait in the outbox.</summary>
    public void Hold(OutboxEntry entry) => Hold(entry.Id, HeldIds(entry));

    public void Hold(string entryId, IEnumerable<string> requestIds)
    {
        foreach (var id in requestIds) _held[id] = entryId;
    }

    public void Release(IEnumerable<string> requestIds)
    {
        foreach (var id in requestIds) _held.TryRemove(id, out _);
    }

    /// <summary>
    /// Releases the ids of entries that are no longer in the outbox: every entry up to
    /// <paramref name="lastSeen"/> (read before, so committed) older than <paramref name="firstPresent"/>
    /// (null: the outbox is empty). Entries leave the outbox in order, and only when finished;
    /// this repairs the set after a pass whose outcome was not known (its reply was lost).
    /// </summary>
    public void ReleaseFinished(string? firstPresent, string? lastSeen)
    {
        foreach (var (id, entry) in _held)
        {
            if (OutboxId.Compare(entry, lastSeen) <= 0 && (firstPresent is null || OutboxId.Compare(entry, firstPresent) < 0))
            {
                _held.TryRemove(KeyValuePair.Create(id, entry));
            }
        }
    }

    /// <summary>A batch is being decided (again, after a conflict): forget what was recorded.</summary>
    public void Begin()
    {
        _batch.Clear();
        _batchHeld.Clear();
    }

    /// <summary>
    /// Records one allocation; true when its answer must wait for Kubernetes: always without
    /// write-behind, and while the server's move to Allocated is not yet in Kubernetes (a
    /// scale-down could otherwise delete the server the caller is sent to).
    /// </summary>
    public bool Record(QueuedRequest request, AllocationSpec spec, GameServer before, GameServer after, Outcome outcome)
    {
        var delta = ServerDelta.Between(before, after);
        var id = NextId;
        var pending = after.Pending ??= [];
        if (pending.Count > 0 && pending[^1].Id == id) pending[^1].Delta.Merge(delta);
        else pending.Add(new PendingWrite(id, delta.Clone()));

        if (!_batch.TryGetValue(after.Key, out var change)) _batch[after.Key] = change = new OutboxChange(after.Key, new ServerDelta(), []);
        change.Delta.Merge(delta);
        if (ActionErrors.Find(spec, before) is { Count: > 0 } errors)
        {
            _batch[after.Key] = change = change with { ActionErrors = [.. change.ActionErrors ?? [], .. errors] };
        }

        var hold = !writeBehind || pending.Any(p => p.Delta.Allocate);
        if (hold)
        {
            change.Holds.Add(new HeldAnswer(request.RequestId, request.Replica, request.DeadlineUnixMs, request.TraceParent, request.Payload, Outcomes.ToJson(outcome)));
            _batchHeld.Add(request.RequestId);
        }

        return hold;
    }

    /// <summary>The batch's outbox entry, or null when it allocated nothing.</summary>
    public OutboxEntry? Entry(DateTimeOffset now) => _batch.Count == 0 ? null : new OutboxEntry(NextId, now.ToUnixTimeMilliseconds(), [.. _batch.Values]);

    /// <summary>
    /// The batch with <paramref name="entry"/> is about to be committed. Its answers count as
    /// held from now: the write-back may finish the entry (and release them) before the
    /// commit call even returns.
    /// </summary>
    public void Committing(OutboxEntry? entry)
    {
        if (entry is not null) Hold(entry);
    }

    /// <summary>The commit did not happen: nothing of the batch is held.</summary>
    public void NotCommitted(OutboxEntry? entry)
    {
        if (entry is not null) Release(HeldIds(entry));
    }

    /// <summary>The batch with <paramref name="entry"/> was committed (and replicated when that is required).</summary>
    public void Committed(OutboxEntry? entry)
    {
        Begin();
        if (entry is null) return;
        _sequence++;
        Confirm(entry.Id);
    }

    private static IEnumerable<string> HeldIds(OutboxEntry entry) => entry.Changes.SelectMany(c => c.Holds).Select(h => h.RequestId);
}
