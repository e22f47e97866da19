using System.Collections.Concurrent;
using Allocator.Queue.V1;
using Allocator.Service.Storage;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Queue;

/// <summary>
/// The front's half of the queue: appends a validated request to its stream and wakes the
/// leader in one round trip, then waits for the answer on this replica's reply channel until
/// the call's deadline. Every outcome is final: the answer, or an explicit status. After a
/// reconnect (a Redis restart or failover may have lost queued entries, and Pub/Sub does not
/// replay what was published meanwhile) every waiting call is queued again with its id.
/// </summary>
public sealed class RequestSubmitter(
    IConnectionMultiplexer redis,
    KeyLayout keys,
    EnqueueBatcher enqueue,
    SettleScript settle,
    ReplyRouter replies,
    ReplicaIdentity replica,
    IOptions<QueueOptions> options,
    IOptions<RedisOptions> redisOptions,
    AnswerHolding holding,
    TimeProvider time,
    ILogger<RequestSubmitter> log)
{
    private static readonly string DeadlineExceeded = Outcomes.ToJson(Outcomes.Error(StatusCode.DeadlineExceeded, "deadline exceeded before the allocation was decided; nothing was allocated"));
    private static readonly string Leaderless = Outcomes.ToJson(Outcomes.Error(StatusCode.Unavailable, "no allocator leader answered before the deadline; nothing was allocated"));
    private static readonly string NotFinal = Outcomes.ToJson(Outcomes.Error(StatusCode.DeadlineExceeded,
        "deadline exceeded while the allocation was being confirmed; it may still be allocated: retry with the same x-request-id to learn the answer"));

    /// <summary>How the answer to a call refused because this replica is overloaded begins (UNAVAILABLE: retry with backoff).</summary>
    public const string Overloaded = "overloaded:";

    // Calls waiting for their answer, by request id: what it takes to queue them again.
    private readonly ConcurrentDictionary<string, QueuedCall> _waiting = new(StringComparer.Ordinal);
    private static readonly TimeSpan RequeueRetry = TimeSpan.FromMilliseconds(200);
    private int _inFlight;
    private int _watching;
    private int _requeueing;

    private bool Replicated => redisOptions.Value.MinReplicas > 0;

    public async Task<Outcome> SubmitAsync(RequestKind kind, string requestId, string payload, string traceParent, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        // Inventory and allocation ids live apart: the same caller id used for both is two requests.
        var id = kind == RequestKind.Inventory ? "inventory:" + requestId : requestId;
        if (Interlocked.Increment(ref _inFlight) > options.Value.MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            // Even overloaded, a retry whose request was already decided gets its answer.
            return await StoredOutcomeAsync(id)
                ?? Outcomes.Error(StatusCode.Unavailable, $"{Overloaded} {options.Value.MaxInFlight} calls already waiting on this replica; retry with backoff");
        }

        var call = new QueuedCall(kind, id, payload, traceParent, deadline);
        var answer = replies.Expect(id);
        _waiting[id] = call;
        var db = redis.GetDatabase();
        try
        {
            // Stop waiting early enough to settle the call (one bounded script) and answer
            // before the caller's own deadline: it hears our answer, not its client's timeout.
            var settleBy = deadline - options.Value.AnswerMargin - options.Value.SettleTimeout;
            var stored = await EnqueueAsync(call).WaitAsync(Remaining(settleBy), time);
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
            _waiting.TryRemove(KeyValuePair.Create(id, call));
            replies.Forget(id);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Queues the request and wakes the leader; returns the stored answer if the id already has a final one.</summary>
    private async Task<Outcome?> EnqueueAsync(QueuedCall call)
    {
        var stored = await enqueue.EnqueueAsync(call.Kind == RequestKind.Inventory, call.Id,
        [
            new(EntryFields.Id, call.Id),
            new(EntryFields.Replica, replica.Id),
            new(EntryFields.Deadline, call.Deadline.ToUnixTimeMilliseconds()),
            new(EntryFields.TraceParent, call.TraceParent),
            new(EntryFields.Request, call.Payload),
        ]);
        return stored is null ? null : Outcomes.FromJson(stored);
    }

    /// <summary>
    /// At the deadline the front writes its error as the request's result, unless a result is
    /// already there (the answer was committed but its Pub/Sub message lost: return it). A
    /// leader that decided the request meanwhile finds the result key taken and its commit is
    /// refused, so a caller told DEADLINE_EXCEEDED or UNAVAILABLE was never allocated. An answer
    /// that is not final yet (waiting for Kubernetes or for replicas) is neither stored nor given.
    /// </summary>
    private async Task<Outcome> SettleAtDeadlineAsync(IDatabase db, string id)
    {
        try
        {
            var settled = await settle.RunAsync(db, id, heldMarkers: holding.Possible, replicatedMark: Replicated,
                whenLeading: DeadlineExceeded, whenLeaderless: Leaderless, options.Value.ErrorResultTtl, notFinal: NotFinal)
                .WaitAsync(options.Value.SettleTimeout, time);
            return Outcomes.FromJson(settled);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Nothing could be settled: the request may still be decided. A retry with the
            // same x-request-id learns what became of it.
            return Outcomes.Error(StatusCode.Unavailable, "request queue unreachable at the deadline; the request may still be decided, retry with the same x-request-id: " + RedisFailure.Short(e));
        }
    }

    /// <summary>A final stored answer for the id, or null (none, not final yet, or Redis away).</summary>
    private async Task<Outcome?> StoredOutcomeAsync(string id)
    {
        try
        {
            var stored = await redis.GetDatabase().StringGetAsync([keys.Result(id), keys.Replicated]).WaitAsync(options.Value.SettleTimeout, time);
            if (!stored[0].HasValue) return null;
            var outcome = Outcomes.FromJson(stored[0]!);
            return outcome.Commit > 0 && outcome.Commit > (ulong)(long)stored[1] ? null : outcome;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// After a reconnect, queues every waiting call again (same id: a request decided already
    /// gets its stored answer, one still queued is decided once). A failover to a replica that
    /// lost the entry would otherwise leave the call waiting until its deadline.
    /// </summary>
    public void WatchReconnects()
    {
        if (Interlocked.Exchange(ref _watching, 1) == 1) return;
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) _ = RequeueAsync();
        };
        // Sentinel moved the primary: the connection may have switched without a reconnect.
        redis.ConfigurationChanged += (_, _) => _ = RequeueAsync();
    }

    private async Task RequeueAsync()
    {
        // One at a time: a reconnect raises more than one event, and a run retries until it is done.
        if (Interlocked.Exchange(ref _requeueing, 1) == 1) return;
        try
        {
            await RequeueWaitingAsync();
        }
        finally
        {
            Volatile.Write(ref _requeueing, 0);
        }
    }

    private async Task RequeueWaitingAsync()
    {
        var waiting = _waiting.Values.ToList();
        // Right after a failover the new primary may refuse writes for a moment (no replica in
        // sync yet): try again until the calls are queued or have ended.
        for (var attempt = 0; waiting.Count > 0; attempt++)
        {
            try
            {
                var outcomes = await Task.WhenAll(waiting.Select(EnqueueAsync));
                for (var i = 0; i < waiting.Count; i++)
                {
                    if (outcomes[i] is { } outcome) replies.Deliver(waiting[i].Id, outcome);
                }

                QueueLog.Requeued(log, waiting.Count);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                var count = waiting.Count;
                if (attempt == 0) log.Report(e, "Queueing waiting calls again", (logger, reason) => QueueLog.RequeueFailed(logger, count, reason));
                await Task.Delay(RequeueRetry, time);
                waiting = waiting.Where(call => _waiting.TryGetValue(call.Id, out var now) && now == call).ToList();
            }
        }
    }

    private TimeSpan Remaining(DateTimeOffset deadline)
    {
        var remaining = deadline - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private sealed record QueuedCall(RequestKind Kind, string Id, string Payload, string TraceParent, DateTimeOffset Deadline);
}
