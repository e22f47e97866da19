using Allocator.Queue.V1;
using Allocator.Service.Hosting;
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
    Scripts scripts,
    ReplyRouter replies,
    ReplicaIdentity replica,
    IOptions<AllocatorOptions> options,
    TimeProvider time)
{
    private int _inFlight;

    public int InFlight => Volatile.Read(ref _inFlight);

    public async Task<Outcome> SubmitAsync(RequestKind kind, string requestId, string payload, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inFlight) > options.Value.MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            return Outcomes.Error(StatusCode.Unavailable, $"overloaded: {options.Value.MaxInFlight} calls already waiting on this replica; retry with backoff");
        }

        var answer = replies.Expect(requestId);
        try
        {
            var db = redis.GetDatabase();
            RedisResult queued;
            try
            {
                queued = await scripts.Enqueue.RunAsync(db, [kind == RequestKind.Allocation ? keys.Requests : keys.Inventory, keys.Result(requestId)],
                [
                    keys.Wake.ToString(),
                    EntryFields.Id, requestId,
                    EntryFields.Replica, replica.Id,
                    EntryFields.Deadline, deadline.ToUnixTimeMilliseconds(),
                    EntryFields.TraceParent, System.Diagnostics.Activity.Current?.Id ?? "",
                    EntryFields.Request, payload,
                ]);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Outcomes.Error(StatusCode.Unavailable, "request queue unreachable: " + e.Message);
            }

            var reply = (RedisResult[])queued!;
            if ((string?)reply[0] == "result") return Outcomes.FromJson((string)reply[1]!);

            var remaining = deadline - time.GetUtcNow();
            try
            {
                return await answer.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                return await LateOutcomeAsync(db, requestId);
            }
        }
        finally
        {
            replies.Forget(requestId);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// At the deadline: the answer may have been committed while its Pub/Sub message was lost,
    /// so look at the result key once; otherwise say whether anyone was leading at all.
    /// </summary>
    private async Task<Outcome> LateOutcomeAsync(IDatabase db, string requestId)
    {
        try
        {
            var stored = await db.StringGetAsync(keys.Result(requestId));
            if (stored.HasValue) return Outcomes.FromJson(stored!);
            if (!await db.KeyExistsAsync(keys.Leader))
            {
                return Outcomes.Error(StatusCode.Unavailable, "no allocator leader answered before the deadline");
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Outcomes.Error(StatusCode.Unavailable, "request queue unreachable at the deadline: " + e.Message);
        }

        return Outcomes.Error(StatusCode.DeadlineExceeded, "deadline exceeded before the allocation was decided");
    }
}
