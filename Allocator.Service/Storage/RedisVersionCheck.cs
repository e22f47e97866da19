using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// At start: stops the replica when Redis is older than <see cref="RedisVersion.Minimum"/>,
/// saying so, rather than leaving every leader term to fail at its first commit. A Redis that
/// cannot be reached yet does not hold up the start (calls answer UNAVAILABLE meanwhile).
/// </summary>
public sealed class RedisVersionCheck(IConnectionMultiplexer redis, ILogger<RedisVersionCheck> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Version? version;
        try
        {
            version = await RedisVersion.ReadAsync(redis.GetDatabase());
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            StorageLog.VersionUnknown(log, RedisFailure.Short(e), RedisVersion.Minimum);
            return;
        }

        if (version is null)
        {
            StorageLog.VersionUnknown(log, "its answer names no version", RedisVersion.Minimum);
            return;
        }

        if (RedisVersion.Problem(version) is { } problem) throw new RedisVersionException(problem);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
