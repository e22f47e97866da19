using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Outcome>> _waiting = new(StringComparer.Ordinal);
    private int _started;

    public int Waiting => _waiting.Count;

    public async Task StartAsync()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        await redis.SubscribeAsync(keys.Reply(replica.Id), (_, message) => Deliver(ReplyBatch.Parser.ParseFrom((byte[])message!)), log);
    }

    /// <summary>Registers interest in a request id before it is queued, so no answer is missed.</summary>
    public Task<Outcome> Expect(string requestId) =>
        _waiting.GetOrAdd(requestId, _ => new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(string requestId) => _waiting.TryRemove(requestId, out _);

    public void Deliver(string requestId, Outcome outcome)
    {
        if (_waiting.TryGetValue(requestId, out var waiter)) waiter.TrySetResult(outcome);
    }

    private void Deliver(ReplyBatch batch)
    {
        foreach (var reply in batch.Replies) Deliver(reply.RequestId, reply.Outcome);
    }
}
