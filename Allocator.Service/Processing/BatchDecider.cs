using Allocator.Queue.V1;
using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Service.Inventory;
using Allocator.Service.Queue;
using Google.Protobuf;
using Grpc.Core;

namespace Allocator.Service.Processing;

/// <summary>
/// Decides a whole batch in memory, without I/O: inventory changes first (so a server that
/// registers can be allocated in the same batch), then allocations in queue order. Requests
/// that already have a stored result, or repeat an id of this batch, get that answer again
/// instead of a second decision; requests whose front is about to settle them (within
/// <c>settleLead</c> of their deadline) are answered DEADLINE_EXCEEDED without allocating.
/// In Kubernetes mode a <see cref="WriteBackLedger"/> records each allocation's write-back and
/// marks the answers that wait for Kubernetes.
/// </summary>
public sealed class BatchDecider(Fleet fleet, AllocationEngine engine, TimeSpan settleLead = default, WriteBackLedger? ledger = null)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public DecidedBatch Decide(IReadOnlyList<QueuedRequest> batch, IReadOnlyDictionary<string, string> stored, DateTimeOffset now)
    {
        var answers = new List<Answer>(batch.Count);
        var decided = new Dictionary<string, Outcome>(StringComparer.Ordinal);
        ledger?.Begin();
        foreach (var request in batch.OrderBy(r => r.Kind == RequestKind.Inventory ? 0 : 1))
        {
            if (stored.TryGetValue(request.RequestId, out var json))
            {
                answers.Add(new Answer(request, Outcomes.FromJson(json), AlreadyStored: true));
            }
            else if (ledger?.IsHeld(request.RequestId) == true)
            {
                // A retry of a call whose answer waits for Kubernetes: neither decided again nor
                // answered now. The write-back answers the id (and stores it, where a retry on
                // another replica finds it when its front looks at its deadline).
                answers.Add(new Answer(request, new Outcome(), AlreadyStored: true, Held: true));
            }
            else if (decided.TryGetValue(request.RequestId, out var earlier))
            {
                answers.Add(new Answer(request, earlier, AlreadyStored: true));
            }
            else
            {
                // The front settles a call settleLead before its deadline: deciding it later
                // would only meet a settled result at commit.
                var held = false;
                var outcome = request.DeadlineUnixMs - (long)settleLead.TotalMilliseconds <= now.ToUnixTimeMilliseconds()
                    ? Outcomes.Error(StatusCode.DeadlineExceeded, "deadline passed while queued; nothing was allocated")
                    : DecideOne(request, now, out held);
                decided[request.RequestId] = outcome;
                answers.Add(new Answer(request, outcome, AlreadyStored: false, Held: held));
            }
        }

        var (changed, removed) = fleet.TakeChanges();
        return new DecidedBatch(answers, changed, removed) { Outbox = ledger?.Entry(now) };
    }

    private Outcome DecideOne(QueuedRequest request, DateTimeOffset now, out bool held)
    {
        held = false;
        try
        {
            if (request.Kind == RequestKind.Inventory)
            {
                return InventoryApplier.Apply(fleet, Parser.Parse<InventoryChange>(request.Payload));
            }

            var spec = SpecDecoder.ToSpec(SpecDecoder.Parse(request.Payload));
            var decision = engine.Allocate(spec, now, keepBefore: ledger is not null);
            if (decision.Server is null) return Outcomes.Error(StatusCode.ResourceExhausted, "no game server matches the selectors");

            var outcome = new Outcome { Allocation = ResponseEncoder.ToResponse(decision.Server) };
            held = ledger?.Record(request, decision.Before!, decision.Server, outcome) ?? false;
            return outcome;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            return Outcomes.Error(StatusCode.InvalidArgument, "queued request is not valid proto-JSON: " + e.Message);
        }
        catch (Exception e)
        {
            // One bad entry must not stop the leader, or every next leader that claims it.
            return Outcomes.Error(StatusCode.Internal, $"request could not be decided: {e.GetType().Name}");
        }
    }
}

/// <summary>
/// An answer to one entry; <see cref="AlreadyStored"/> ones are re-sent, not re-written;
/// <see cref="Held"/> ones are neither stored nor sent at commit: the write-back answers them
/// once Kubernetes has the allocation.
/// </summary>
public sealed record Answer(QueuedRequest Request, Outcome Outcome, bool AlreadyStored, bool Held = false);

public sealed record DecidedBatch(IReadOnlyList<Answer> Answers, IReadOnlyList<GameServer> Changed, IReadOnlyList<string> Removed)
{
    /// <summary>Kubernetes mode: the batch's write-back, committed with it.</summary>
    public OutboxEntry? Outbox { get; init; }

    /// <summary>Kubernetes mode: watch scope -> resourceVersion whose changes this commit stores.</summary>
    public IReadOnlyDictionary<string, string> WatchPositions { get; init; } = new Dictionary<string, string>();

    public bool IsEmpty => Answers.Count == 0 && Changed.Count == 0 && Removed.Count == 0 && WatchPositions.Count == 0;
}
