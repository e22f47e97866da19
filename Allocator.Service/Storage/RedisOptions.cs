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
}

public sealed class RedisOptionsValidator : SettingsValidator<RedisOptions>
{
    public override IEnumerable<string> Problems(RedisOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.Redis)) yield return "Allocator:Redis (Allocator__Redis) must name a Redis server, e.g. 127.0.0.1:6379.";
        if (!string.IsNullOrEmpty(o.RedisCaFile) && !File.Exists(o.RedisCaFile)) yield return $"Allocator:RedisCaFile: {o.RedisCaFile} does not exist.";
        if (string.IsNullOrWhiteSpace(o.KeyPrefix) || o.KeyPrefix.IndexOfAny(['{', '}', ' ']) >= 0) yield return "Allocator:KeyPrefix must be non-empty without braces or spaces.";
    }
}
