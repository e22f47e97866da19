using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// Pub/Sub subscriptions that survive Redis being down at start: StackExchange.Redis records
/// the handler before it sends SUBSCRIBE and re-subscribes on every reconnect, so a failed
/// first attempt is logged, not fatal.
/// </summary>
public static class Subscriptions
{
    public static async Task SubscribeAsync(this IConnectionMultiplexer redis, RedisChannel channel, Action<RedisChannel, RedisValue> handler, ILogger log)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(channel, handler);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            StorageLog.SubscribeDeferred(log, channel.ToString(), e.Message);
        }
    }
}

internal static partial class StorageLog
{
    [LoggerMessage(3001, LogLevel.Warning, "Redis unreachable; subscription to {Channel} will be made on reconnect: {Reason}")]
    public static partial void SubscribeDeferred(ILogger logger, string channel, string reason);
}
