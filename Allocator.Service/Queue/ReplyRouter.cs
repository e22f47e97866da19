using Allocator.Queue.V1;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Queue;

/// <summary>
/// Receives the answers the leader publishes on this replica's reply channel and hands each
/// to the call waiting for it.
/// </summary>
public sealed class ReplyRouter(IConnectionMultiplexer redis, KeyLayout keys, ReplicaIdentity replica, ILogger<ReplyRouter> log)
{
    // request id -> the answer awaited, and how many calls (retries of one id) await it.
    private readonly Dictionary<string, (TaskCompletionSource<Outcome> Answer, int Calls)> _waiting = new(StringComparer.Ordinal);
    private int _started;

    public async Task StartAsync()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        // Pub/Sub does not replay what was published while the connection was down: the
        // submitter queues every waiting call again after a reconnect.
        await redis.SubscribeAsync(keys.Reply(replica.Id), (_, message) => Deliver(ReplyBatch.Parser.ParseFrom((byte[])message!)), log);
    }

    /// <summary>Registers interest in a request id before it is queued, so no answer is missed.</summary>
    public Task<Outcome> Expect(string requestId)
    {
        lock (_waiting)
        {
            (TaskCompletionSource<Outcome> Answer, int Calls) waiter = _waiting.TryGetValue(requestId, out var existing)
                ? existing with { Calls = existing.Calls + 1 }
                : (new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously), 1);
            _waiting[requestId] = waiter;
            return waiter.Answer.Task;
        }
    }

    /// <summary>One call for this id is done; the answer stays deliverable while others wait.</summary>
    public void Forget(string requestId)
    {
        lock (_waiting)
        {
            if (!_waiting.TryGetValue(requestId, out var waiter)) return;
            if (waiter.Calls > 1) _waiting[requestId] = waiter with { Calls = waiter.Calls - 1 };
            else _waiting.Remove(requestId);
        }
    }

    public void Deliver(string requestId, Outcome outcome)
    {
        TaskCompletionSource<Outcome>? answer;
        lock (_waiting) answer = _waiting.TryGetValue(requestId, out var waiter) ? waiter.Answer : null;
        answer?.TrySetResult(outcome);
    }

    private void Deliver(ReplyBatch batch)
    {
        foreach (var reply in batch.Replies) Deliver(reply.RequestId, reply.Outcome);
    }
}
