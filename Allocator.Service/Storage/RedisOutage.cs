using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// One warning when a Redis endpoint stops answering, naming it, and one line when it is back.
/// Every loop that uses Redis fails meanwhile, each in its own rhythm; those failures are logged
/// at Debug (<see cref="RedisFailure.IsConnectionLoss"/>), since this warning already says why.
/// </summary>
public sealed class RedisOutage(IConnectionMultiplexer redis, RedisRoute route, TimeProvider time, ILogger<RedisOutage> log) : IHostedService
{
    // endpoint -> the connections (interactive, subscription) that are down, and since when.
    private readonly Dictionary<string, (HashSet<ConnectionType> Down, long Since)> _outages = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionFailed += (_, e) => Failed(e.EndPoint, e.ConnectionType, e.FailureType.ToString());
        redis.ConnectionRestored += (_, e) => Restored(e.EndPoint, e.ConnectionType);
        // The first connection was tried before these handlers existed.
        if (!redis.IsConnected)
        {
            foreach (var endpoint in redis.GetEndPoints()) Failed(endpoint, ConnectionType.Interactive, "not reachable at start");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Failed(System.Net.EndPoint? endpoint, ConnectionType connection, string failure)
    {
        var name = Name(endpoint);
        lock (_outages)
        {
            if (!_outages.TryGetValue(name, out var outage))
            {
                outage = ([], time.GetTimestamp());
                _outages[name] = outage;
                StorageLog.Unreachable(log, name, failure);
            }

            outage.Down.Add(connection);
        }
    }

    private void Restored(System.Net.EndPoint? endpoint, ConnectionType connection)
    {
        var name = Name(endpoint);
        lock (_outages)
        {
            if (!_outages.TryGetValue(name, out var outage) || !outage.Down.Remove(connection) || outage.Down.Count > 0) return;
            _outages.Remove(name);
            StorageLog.Reachable(log, name, time.GetElapsedTime(outage.Since).TotalSeconds);
        }
    }

    private string Name(System.Net.EndPoint? endpoint) => endpoint is null ? "(unknown endpoint)" : route.Describe(endpoint);
}

internal static partial class StorageLog
{
    [LoggerMessage(3012, LogLevel.Warning, "Redis {Endpoint} unreachable ({Failure}); calls answer UNAVAILABLE and leadership waits until it is back")]
    public static partial void Unreachable(ILogger logger, string endpoint, string failure);

    [LoggerMessage(3013, LogLevel.Information, "Redis {Endpoint} reachable again after {Seconds:F1} s")]
    public static partial void Reachable(ILogger logger, string endpoint, double seconds);

    [LoggerMessage(3014, LogLevel.Debug, "{Step} failed while Redis is unreachable: {Reason}")]
    public static partial void StepSkipped(ILogger logger, string step, string reason);
}
