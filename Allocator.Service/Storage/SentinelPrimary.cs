using System.Net;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// Which server is the Redis primary, as the Sentinels say. Every <see cref="PollInterval"/>
/// each configured Sentinel is asked <c>SENTINEL GET-MASTER-ADDR-BY-NAME</c>; the primary is the
/// address a majority of them name (the one Sentinel, when only one is configured, e.g. a
/// Kubernetes Service in front of them). Sentinel answers the promoted replica as soon as it
/// has taken the role, so a failover is seen about a poll after a majority knows of it, and an
/// old primary that a minority still names (an isolated one that resumed) is never followed.
/// </summary>
public sealed class SentinelPrimary : IAsyncDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan FirstAnswerWait = TimeSpan.FromSeconds(5);

    private readonly ConnectionMultiplexer _sentinels;
    private readonly EndPoint[] _configured;
    private readonly string _serviceName;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private readonly TaskCompletionSource _firstNamed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EndPoint? _current;

    private SentinelPrimary(ConnectionMultiplexer sentinels, EndPoint[] configured, string serviceName, ILogger log)
    {
        (_sentinels, _configured, _serviceName, _log) = (sentinels, configured, serviceName, log);
        _polling = Task.Run(PollAsync);
    }

    /// <summary>The primary now (null until a majority of Sentinels named one).</summary>
    public EndPoint? Current => Volatile.Read(ref _current);

    /// <summary>Raised with the new primary when the Sentinels name another one.</summary>
    public event Action<EndPoint>? Switched;

    /// <summary>
    /// Connects to the Sentinels of <paramref name="config"/> and, for up to
    /// <see cref="FirstAnswerWait"/>, waits until a majority names the primary, so the replica's
    /// first connections find it; past that it starts anyway and keeps asking.
    /// </summary>
    public static async Task<SentinelPrimary> StartAsync(ConfigurationOptions config, ILogger log)
    {
        var sentinelConfig = config.Clone();
        sentinelConfig.ServiceName = null;
        sentinelConfig.CommandMap = CommandMap.Sentinel;
        sentinelConfig.AbortOnConnectFail = false;
        sentinelConfig.ClientName = config.ClientName + "-sentinel";
        // A Sentinel that does not answer within a poll or two is one that does not vote.
        sentinelConfig.AsyncTimeout = sentinelConfig.SyncTimeout = 500;
        var sentinels = await ConnectionMultiplexer.SentinelConnectAsync(sentinelConfig);
        var primary = new SentinelPrimary(sentinels, [.. config.EndPoints], config.ServiceName!, log);
        try
        {
            await primary._firstNamed.Task.WaitAsync(FirstAnswerWait);
        }
        catch (TimeoutException)
        {
            // No majority yet: start anyway; the polling goes on and connections follow once one names it.
        }

        return primary;
    }

    private async Task PollAsync()
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do await PollOnceAsync();
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PollOnceAsync()
    {
        var answers = await Task.WhenAll(_configured.Select(AskAsync));
        var named = answers.OfType<EndPoint>().GroupBy(e => e.ToString()).MaxBy(g => g.Count());
        if (named is null || named.Count() <= _configured.Length / 2) return;
        var primary = named.First();
        var before = Interlocked.Exchange(ref _current, primary);
        if (before?.ToString() == primary.ToString()) return;
        StorageLog.PrimaryNamed(_log, _serviceName, primary.ToString()!, named.Count(), _configured.Length, before?.ToString() ?? "none");
        _firstNamed.TrySetResult();
        Switched?.Invoke(primary);
    }

    private async Task<EndPoint?> AskAsync(EndPoint sentinel)
    {
        try
        {
            return await _sentinels.GetServer(sentinel).SentinelGetMasterAddressByNameAsync(_serviceName);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ArgumentException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        await _sentinels.DisposeAsync();
        _stop.Dispose();
    }
}
