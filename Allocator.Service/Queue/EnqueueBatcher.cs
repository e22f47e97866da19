using System.Threading.Channels;
using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Queue;

/// <summary>
/// Sends a replica's enqueues to Redis together: every request that arrives while the previous
/// enqueue is on its way goes in the next script call, with one wake-up of the leader. There is
/// no timer, so a lone call is sent at once; under load one call carries many requests, which
/// is most of what a request costs Redis.
/// </summary>
public sealed class EnqueueBatcher(IConnectionMultiplexer redis, EnqueueScript script, IOptions<RedisOptions> redisOptions, TimeProvider time, ILogger<EnqueueBatcher> log)
{
    // An enqueue is one short script: one still unanswered after this is worth a warning with
    // what the process and its connection were doing (every later call waits behind it).
    private static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(5);

    /// <summary>Requests per script call at most (its arguments stay well inside Lua's limits).</summary>
    public const int MaxBatch = 128;

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private int _started;
    private long _sendingSince; // timestamp of the script call on its way, 0 when none
    private long _reportedSince;
    private ITimer? _watch;

    /// <summary>The stored answer when the id already has a final one; null once the request is queued.</summary>
    public Task<string?> EnqueueAsync(bool inventory, string requestId, IReadOnlyList<KeyValuePair<string, RedisValue>> fields)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _watch = time.CreateTimer(_ => ReportSlow(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            _ = Task.Run(SendAsync);
        }

        var pending = new Pending(inventory, new EnqueueScript.Entry(requestId, fields), new(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending.Writer.TryWrite(pending);
        return pending.Answer.Task;
    }

    private async Task SendAsync()
    {
        var requests = new List<Pending>(MaxBatch);
        var inventory = new List<Pending>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (requests.Count + inventory.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                (next.Inventory ? inventory : requests).Add(next);
            }

            Volatile.Write(ref _sendingSince, time.GetTimestamp());
            await Task.WhenAll(SendAsync(requests, inventory: false), SendAsync(inventory, inventory: true));
            Volatile.Write(ref _sendingSince, 0);
            requests.Clear();
            inventory.Clear();
        }
    }

    private async Task SendAsync(List<Pending> batch, bool inventory)
    {
        if (batch.Count == 0) return;
        try
        {
            var answers = await script.RunAsync(redis.GetDatabase(), inventory, batch.Select(p => p.Entry).ToList(), redisOptions.Value.MinReplicas > 0);
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
        }
        catch (Exception e)
        {
            // Redis away (or the call refused): every request of the call learns it, as it would alone.
            foreach (var p in batch) p.Answer.TrySetException(e);
        }
    }

    private void ReportSlow()
    {
        var since = Volatile.Read(ref _sendingSince);
        if (since == 0 || since == _reportedSince || time.GetElapsedTime(since) < SlowAfter) return;
        _reportedSince = since; // once per stuck call
        QueueLog.EnqueueSlow(log, (long)time.GetElapsedTime(since).TotalMilliseconds, ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount,
            redis is ConnectionMultiplexer multiplexer ? multiplexer.GetStatus() : "");
    }

    private sealed record Pending(bool Inventory, EnqueueScript.Entry Entry, TaskCompletionSource<string?> Answer);
}
