using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// At start: says so when Redis' replication settings do not match <see cref="RedisOptions.MinReplicas"/>.
/// An isolated old primary keeps taking writes unless <c>min-replicas-to-write</c> (with
/// <c>min-replicas-max-lag</c>) makes it refuse them; and commits wait while fewer replicas are connected.
/// </summary>
public sealed class ReplicationCheck(IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<ReplicationCheck> log) : IHostedService
{
    private static readonly RedisScript InfoScript = RedisScript.Load("replication_info");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var wanted = options.Value.MinReplicas;
        try
        {
            var text = (string?)await redis.GetDatabase().ScriptEvaluateAsync(InfoScript.Body) ?? "";
            var info = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(':', 2))
                .Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0], pair => pair[1]);
            var replicas = int.TryParse(info.GetValueOrDefault("connected_slaves"), out var n) ? n : 0;
            var guarded = info.ContainsKey("min_slaves_good_slaves");
            if (wanted > 0 && !guarded) StorageLog.NoWriteGuard(log, wanted);
            if (wanted > 0 && replicas < wanted) StorageLog.FewReplicas(log, replicas, wanted);
            if (wanted == 0 && replicas > 0) StorageLog.UnguardedReplicas(log, replicas);
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
        {
            // Managed services often hide INFO; starting matters more than this check.
            StorageLog.ReplicationUnknown(log, RedisFailure.Short(e));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
