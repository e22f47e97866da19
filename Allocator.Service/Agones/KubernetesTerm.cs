using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Grpc.Core;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes mode's side of one leadership term. On the batch loop: what the watches (and the
/// write-back, giving up) reported is applied before each batch and committed with it, with the
/// resourceVersions it brings the hash to; allocations are recorded in the batch's outbox
/// entry, and the answers that wait for Kubernetes are held. In the background (once
/// <see cref="Start"/>ed): the write-back of the outbox and the leader's pod-deletion-cost.
/// Without <see cref="Start"/> and watches it decides offline (tests, the warm-up's rehearsal).
/// </summary>
public sealed class KubernetesTerm(WriteBackLedger ledger, KubernetesInventory? inventory = null) : IInventoryTerm
{
    private readonly List<FleetEvent> _inHand = [];
    private readonly CancellationTokenSource _stop = new();
    private static readonly Dictionary<string, string> NoPositions = new();
    private IReadOnlyDictionary<string, string> _positions = NoPositions;
    private OutboxEntry? _entry;
    private WriteBack? _writeBack;
    private LeaderPodCost? _podCost;
    private GameServerEvents? _events;
    private Task _writing = Task.CompletedTask;

    public WriteBackLedger Ledger => ledger;

    /// <summary>Starts the write-back (which records <paramref name="events"/>) and marks the leader's pod.</summary>
    public void Start(WriteBack writeBack, LeaderPodCost podCost, GameServerEvents events)
    {
        (_writeBack, _podCost, _events) = (writeBack, podCost, events);
        _writing = Task.Run(() => writeBack.RunAsync(_stop.Token));
        _ = podCost.MarkAsync();
    }

    public Task ReadyAsync(CancellationToken stopping) => inventory?.ListedAsync(stopping) ?? Task.CompletedTask;

    public bool BeginBatch(Fleet fleet)
    {
        ledger.Begin();
        // Kept until committed: a batch decided afresh after a conflict restores the servers
        // from Redis, so what was observed is applied again.
        inventory?.DrainInto(_inHand);
        if (_inHand.Count == 0)
        {
            _positions = NoPositions;
            return false;
        }

        var positions = new Dictionary<string, string>(StringComparer.Ordinal);
        inventory!.Apply(fleet, _inHand, positions);
        _positions = positions;
        return positions.Count > 0;
    }

    public Outcome ApplyRequest(Fleet fleet, QueuedRequest request) =>
        Outcomes.Error(StatusCode.FailedPrecondition, "Kubernetes mode: game servers come from Agones; the inventory API is off");

    public bool RecordsAllocations => true;

    public bool IsHeld(string requestId) => ledger.IsHeld(requestId);

    public bool Record(QueuedRequest request, AllocationSpec spec, GameServer before, GameServer after, Outcome outcome) => ledger.Record(request, spec, before, after, outcome);

    public CommitWrite Committing(CommitWrite write, DateTimeOffset now)
    {
        _entry = ledger.Entry(now);
        // Held from now: the write-back may finish the entry before the commit call returns.
        ledger.Committing(_entry);
        return write with { Kubernetes = new KubernetesWrite(_entry?.Id, _entry?.AtUnixMs ?? 0, _entry?.ChangesJson, _positions) };
    }

    public void NotCommitted() => ledger.NotCommitted(_entry);

    public void Committed()
    {
        ledger.Committed(_entry);
        _inHand.Clear();
        if (_entry is not null) _writeBack?.Signal();
        _entry = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writing; // never faults: a pass ends on cancellation or fencing, and Redis errors are retried
        if (_events is not null) await _events.DisposeAsync();
        if (inventory is not null) await inventory.DisposeAsync();
        // Not awaited: on a hand-over the process is about to exit and the successor marks its own pod.
        if (_podCost is not null) _ = _podCost.ClearAsync();
        _stop.Dispose();
    }
}
