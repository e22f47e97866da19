using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// The settings every connection of a replica is made with (where it connects is
/// <see cref="RedisRoute"/>'s business).
/// </summary>
public static class RedisConnection
{
    public static ConfigurationOptions Configuration(RedisOptions options, string clientName)
    {
        var config = ConfigurationOptions.Parse(options.Redis);
        if (options.RedisUser.Length > 0) config.User = options.RedisUser;
        if (options.RedisPassword.Length > 0) config.Password = options.RedisPassword;
        if (options.RedisTls) config.Ssl = true;
        if (options.RedisCaFile.Length > 0) config.TrustIssuer(options.RedisCaFile);
        config.AbortOnConnectFail = false; // start anyway; calls answer UNAVAILABLE until Redis is back
        config.BacklogPolicy = BacklogPolicy.FailFast; // while Redis is away, fail at once instead of queueing for seconds
        // A failover (or a restart) drops the connection: look for the server again every 100 ms,
        // so calls are served again within about that once it answers.
        config.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        // (Set, not defaulted: the property's getter creates an exponential policy of its own.)
        config.ReconnectRetryPolicy = new LinearRetry(100);
        // A frozen server (an isolated primary) holds a connection attempt this long.
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 1000);
        config.ClientName ??= clientName;
        // RESP2: after a Sentinel failover, RESP3 connections to the new primary were seen to
        // stall for seconds (scripts/chaos.sh, scenario 7); RESP2 keeps Pub/Sub on a connection
        // of its own, which the fronts' reply channels use anyway.
        config.Protocol ??= RedisProtocol.Resp2;
        // No tie-breaker key or master-changed channel: neither is used, and both would fall
        // outside the least-privilege ACL's key and channel patterns (SECURITY.md).
        config.TieBreaker = "";
        config.ConfigurationChannel = "";
        return config;
    }
}

/// <summary>
/// The connection a leader commits on. <c>WAIT</c> counts the writes of the connection it runs
/// on and blocks it meanwhile, so with <see cref="RedisOptions.MinReplicas"/> &gt; 0 the leader
/// has a connection of its own (the fronts' calls never queue behind a <c>WAIT</c>); otherwise
/// it shares the replica's.
/// </summary>
public sealed class LeaderConnection(IConnectionMultiplexer shared, IOptions<RedisOptions> options, RedisRoute route, Queue.ReplicaIdentity replica) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer>? _own = options.Value.MinReplicas > 0
        ? new(() => ConnectionMultiplexer.Connect(route.Configuration($"allocator-{replica.Id}-leader")))
        : null;

    public IDatabase Database => _own is null ? shared.GetDatabase() : _own.Value.GetDatabase();

    public void Dispose()
    {
        if (_own is { IsValueCreated: true }) _own.Value.Dispose();
    }
}
