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

    [LoggerMessage(3002, LogLevel.Warning, "Only {Acked} of Allocator:MinReplicas={Wanted} Redis replicas acknowledged a commit within {WaitMs} ms; its answers wait until they do")]
    public static partial void ReplicasMissing(ILogger logger, long acked, int wanted, double waitMs);

    [LoggerMessage(3003, LogLevel.Information, "{Wanted} Redis replica(s) acknowledged again after {ElapsedMs:F0} ms")]
    public static partial void ReplicasBack(ILogger logger, int wanted, double elapsedMs);

    [LoggerMessage(3004, LogLevel.Warning, "Allocator:MinReplicas={Wanted} but Redis has no min-replicas-to-write: an isolated old primary would keep taking writes. Set min-replicas-to-write {Wanted} and min-replicas-max-lag (docs/operations.md)")]
    public static partial void NoWriteGuard(ILogger logger, int wanted);

    [LoggerMessage(3005, LogLevel.Warning, "Redis has {Replicas} connected replica(s) but Allocator:MinReplicas={Wanted}: commits wait until enough replicas are connected")]
    public static partial void FewReplicas(ILogger logger, int replicas, int wanted);

    [LoggerMessage(3006, LogLevel.Warning, "Redis has {Replicas} replica(s) but Allocator:MinReplicas=0: a failover to a lagging replica can lose answers already given; set Allocator:MinReplicas (docs/operations.md)")]
    public static partial void UnguardedReplicas(ILogger logger, int replicas);

    [LoggerMessage(3007, LogLevel.Information, "Could not read Redis' replication settings: {Reason}")]
    public static partial void ReplicationUnknown(ILogger logger, string reason);

    [LoggerMessage(3008, LogLevel.Information, "Could not check Redis' version at start ({Reason}); the allocator needs Redis {Minimum} or later")]
    public static partial void VersionUnknown(ILogger logger, string reason, Version minimum);
}
