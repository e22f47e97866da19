using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Api;
using Allocator.Service.Queue;
using Google.Protobuf;
using Grpc.Core;

namespace Allocator.Service.Processing;

/// <summary>
/// Decides a whole batch in memory, without I/O: first what the inventory source observed,
/// then inventory changes (so a server that registers can be allocated in the same batch), then
/// allocations in queue order. Requests that already have a stored result, or repeat an id of
/// this batch, get that answer again instead of a second decision; requests whose front is
/// about to settle them (within <c>settleLead</c> of their deadline) are answered
/// DEADLINE_EXCEEDED without allocating. The source records allocations and says which answers
/// wait for it.
/// </summary>
public sealed class BatchDecider(Fleet fleet, AllocationEngine engine, TimeSpan settleLead = default, IInventoryTerm? source = null)
{
    public DecidedBatch Decide(IReadOnlyList<QueuedRequest> batch, IReadOnlyDictionary<string, string> stored, DateTimeOffset now)
    {
        var observed = source?.BeginBatch(fleet) ?? false;
        var answers = new List<Answer>(batch.Count);
        var decided = new Dictionary<string, Outcome>(StringComparer.Ordinal);
        foreach (var request in batch.OrderBy(r => r.Kind == RequestKind.Inventory ? 0 : 1))
        {
            if (stored.TryGetValue(request.RequestId, out var json))
            {
                answers.Add(new Answer(request, Outcomes.FromJson(json), AlreadyStored: true));
            }
            else if (source?.IsHeld(request.RequestId) == true)
            {
                // A retry of a call whose answer waits for the source: neither decided again nor
                // answered now. Whoever releases the answer stores it, where a retry on another
                // replica finds it when its front looks at its deadline.
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
        return new DecidedBatch(answers, changed, removed) { SourceObserved = observed };
    }

    private Outcome DecideOne(QueuedRequest request, DateTimeOffset now, out bool held)
    {
        held = false;
        try
        {
            if (request.Kind == RequestKind.Inventory)
            {
                return source?.ApplyRequest(fleet, request)
                    ?? Outcomes.Error(StatusCode.FailedPrecondition, "no inventory source takes changes on this replica");
            }

            var spec = SpecDecoder.ToSpec(SpecDecoder.Parse(request.Payload));
            var records = source?.RecordsAllocations == true;
            var decision = engine.Allocate(spec, now, keepBefore: records);
            if (decision.Server is null) return Outcomes.Error(StatusCode.ResourceExhausted, "no game server matches the selectors");

            var outcome = new Outcome { Allocation = ResponseEncoder.ToResponse(decision.Server) };
            held = records && source!.Record(request, spec, decision.Before!, decision.Server, outcome);
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
/// <see cref="Held"/> ones are neither stored nor sent at commit: the inventory source answers
/// them once it has confirmed the allocation.
/// </summary>
public sealed record Answer(QueuedRequest Request, Outcome Outcome, bool AlreadyStored, bool Held = false);

public sealed record DecidedBatch(IReadOnlyList<Answer> Answers, IReadOnlyList<GameServer> Changed, IReadOnlyList<string> Removed)
{
    /// <summary>The inventory source applied what it observed: worth a commit even without requests.</summary>
    public bool SourceObserved { get; init; }

    public bool IsEmpty => Answers.Count == 0 && Changed.Count == 0 && Removed.Count == 0 && !SourceObserved;
}
