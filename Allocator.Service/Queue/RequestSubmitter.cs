using Allocator.Queue.V1;
using Allocator.Service.Storage;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Queue;

/// <summary>
/// The front's half of the queue: appends a validated request to its stream and wakes the
/// leader in one round trip, then waits for the answer on this replica's reply channel until
/// the call's deadline. Every outcome is final: the answer, or an explicit status.
/// </summary>
public sealed class RequestSubmitter(
    IConnectionMultiplexer redis,
    KeyLayout keys,
    EnqueueScript enqueue,
    SettleScript settle,
    ReplyRouter replies,
    ReplicaIdentity replica,
    IOptions<QueueOptions> options,
    AnswerHolding holding,
    TimeProvider time)
{
    private static readonly string DeadlineExceeded = Outcomes.ToJson(Outcomes.Error(StatusCode.DeadlineExceeded, "deadline exceeded before the allocation was decided; nothing was allocated"));
    private static readonly string Leaderless = Outcomes.ToJson(Outcomes.Error(StatusCode.Unavailable, "no allocator leader answered before the deadline; nothing was allocated"));
    private static readonly string MayStillBeAllocated = Outcomes.ToJson(Outcomes.Error(StatusCode.DeadlineExceeded,
        "deadline exceeded while Kubernetes confirmed the allocation; it may still be allocated: retry with the same x-request-id to learn the answer"));
    private int _inFlight;

    public async Task<Outcome> SubmitAsync(RequestKind kind, string requestId, string payload, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        // Inventory and allocation ids live apart: the same caller id used for both is two requests.
        var id = kind == RequestKind.Inventory ? "inventory:" + requestId : requestId;
        if (Interlocked.Increment(ref _inFlight) > options.Value.MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            // Even overloaded, a retry whose request was already decided gets its answer.
            return await StoredOutcomeAsync(id)
                ?? Outcomes.Error(StatusCode.Unavailable, $"overloaded: {options.Value.MaxInFlight} calls already waiting on this replica; retry with backoff");
        }

        var answer = replies.Expect(id);
        var db = redis.GetDatabase();
        try
        {
            // Stop waiting early enough to settle the call (one bounded script) and answer
            // before the caller's own deadline: it hears our answer, not its client's timeout.
            var settleBy = deadline - options.Value.AnswerMargin - options.Value.SettleTimeout;
            var stored = await EnqueueAsync(db, kind, id, payload, traceParent, deadline).WaitAsync(Remaining(settleBy), time);
            return stored ?? await answer.WaitAsync(Remaining(settleBy), time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The deadline passed (or Redis did not answer in time, so the request may or may
            // not be queued): settle the answer once and for all.
            return await SettleAtDeadlineAsync(db, id);
        }
        catch (RedisException e)
        {
            return Outcomes.Error(StatusCode.Unavailable, "request queue unreachable: " + RedisFailure.Describe(e));
        }
        finally
        {
            replies.Forget(id);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Queues the request and wakes the leader; returns the stored answer if the id already has one.</summary>
    private async Task<Outcome?> EnqueueAsync(IDatabase db, RequestKind kind, string id, string payload, string traceParent, DateTimeOffset deadline)
    {
        var stored = await enqueue.RunAsync(db, kind == RequestKind.Inventory, id,
        [
            new(EntryFields.Id, id),
            new(EntryFields.Replica, replica.Id),
            new(EntryFields.Deadline, deadline.ToUnixTimeMilliseconds()),
            new(EntryFields.TraceParent, traceParent),
            new(EntryFields.Request, payload),
        ]);
        return stored is null ? null : Outcomes.FromJson(stored);
    }

    /// <summary>
    /// At the deadline the front writes its error as the request's result, unless a result is
    /// already there (the answer was committed but its Pub/Sub message lost: return it). A
    /// leader that decided the request meanwhile finds the result key taken and its commit is
    /// refused, so a caller told DEADLINE_EXCEEDED or UNAVAILABLE was never allocated.
    /// </summary>
    private async Task<Outcome> SettleAtDeadlineAsync(IDatabase db, string id)
    {
        try
        {
            var settled = await settle.RunAsync(db, id, heldMarkers: holding.Possible,
                whenLeading: DeadlineExceeded, whenLeaderless: Leaderless, options.Value.ErrorResultTtl, whileHeld: MayStillBeAllocated)
                .WaitAsync(options.Value.SettleTimeout, time);
            return Outcomes.FromJson(settled);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Nothing could be settled: the request may still be decided. A retry with the
            // same x-request-id learns what became of it.
            return Outcomes.Error(StatusCode.Unavailable, "request queue unreachable at the deadline; the request may still be decided, retry with the same x-request-id: " + e.Message);
        }
    }

    private async Task<Outcome?> StoredOutcomeAsync(string id)
    {
        try
        {
            var stored = await redis.GetDatabase().StringGetAsync(keys.Result(id)).WaitAsync(options.Value.SettleTimeout, time);
            return stored.HasValue ? Outcomes.FromJson(stored!) : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var remaining = deadline - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}
