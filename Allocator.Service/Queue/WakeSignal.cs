using System.Threading.Channels;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Queue;

/// <summary>
/// "There is work" for the leader: set by a Pub/Sub message on the wake channel, consumed by
/// the batch loop. StackExchange.Redis has no blocking reads, so this replaces XREADGROUP BLOCK.
/// A signal that arrives while the leader is busy is kept (one is enough).
/// </summary>
public sealed class WakeSignal(IConnectionMultiplexer redis, KeyLayout keys, ILogger<WakeSignal> log)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _started;

    public async Task StartAsync()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        await redis.SubscribeAsync(keys.Wake, (_, _) => Set(), log);
    }

    public void Set() => _signal.Writer.TryWrite(true);

    /// <summary>Waits for a signal or the safety-poll interval, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan poll, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(poll, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _signal.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Poll interval elapsed: read anyway, in case a wake-up was lost.
        }
    }
}
