namespace Allocator.Service.Storage;

/// <summary>How a replica reaches Redis, and the hash tag its keys share (section <c>Allocator</c>).</summary>
public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Redis { get; set; } = "127.0.0.1:6379";
    /// <summary>Redis ACL user (empty: the default user).</summary>
    public string RedisUser { get; set; } = "";
    /// <summary>Redis password; kept out of the configuration string so it can come from a Secret.</summary>
    public string RedisPassword { get; set; } = "";
    /// <summary>Connect to Redis over TLS.</summary>
    public bool RedisTls { get; set; }
    /// <summary>PEM file of the CA that signed Redis' certificate (empty: the system store).</summary>
    public string RedisCaFile { get; set; } = "";
    /// <summary>Hash tag shared by every key of this fleet: <c>{alloc}:requests</c> ...</summary>
    public string KeyPrefix { get; set; } = "alloc";
    /// <summary>
    /// Redis replicas that must acknowledge a commit (<c>WAIT</c>, once per batch) before its
    /// answers go out, before a stored answer is handed out and before a write-back starts.
    /// 0: answers go out with the commit (a failover to a lagging replica can lose them).
    /// </summary>
    public int MinReplicas { get; set; }
    /// <summary>How long one <c>WAIT</c> for <see cref="MinReplicas"/> lasts before it is logged and tried again.</summary>
    public TimeSpan ReplicaWait { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed class RedisOptionsValidator : SettingsValidator<RedisOptions>
{
    public override IEnumerable<string> Problems(RedisOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Redis)) yield return "Allocator:Redis (Allocator__Redis) must name a Redis server, e.g. 127.0.0.1:6379.";
        if (!string.IsNullOrEmpty(o.RedisCaFile) && !File.Exists(o.RedisCaFile)) yield return $"Allocator:RedisCaFile: {o.RedisCaFile} does not exist.";
        if (string.IsNullOrWhiteSpace(o.KeyPrefix) || o.KeyPrefix.IndexOfAny(['{', '}', ' ']) >= 0) yield return "Allocator:KeyPrefix must be non-empty without braces or spaces.";
        if (o.RedisTls && SentinelsWithoutSslHost(o.Redis))
            yield return "Allocator:Redis names Sentinels (serviceName=) and Allocator:RedisTls is on: add sslHost=<a name every Redis node's certificate carries> to Allocator:Redis (connections reach the primary through a loopback relay, so the address cannot be the name checked).";
        if (o.MinReplicas is < 0 or > 16) yield return "Allocator:MinReplicas must be between 0 and 16.";
        if (o.ReplicaWait < TimeSpan.FromMilliseconds(10)) yield return "Allocator:ReplicaWait must be at least 10ms.";
    }

    private static bool SentinelsWithoutSslHost(string redis)
    {
        try
        {
            var config = StackExchange.Redis.ConfigurationOptions.Parse(redis);
            return !string.IsNullOrEmpty(config.ServiceName) && string.IsNullOrEmpty(config.SslHost);
        }
        catch (ArgumentException)
        {
            return false; // the connection reports a malformed string itself
        }
    }
}
