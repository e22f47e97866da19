using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// The Redis version the service needs, and how a server's version is read: its scripts use
/// <c>#!lua</c> flags (commit.lua declares what it may do, so Redis refuses it whole when out
/// of memory), which Redis 6 cannot compile.
/// </summary>
public static class RedisVersion
{
    public static readonly Version Minimum = new(7, 0);

    private static readonly RedisScript Script = RedisScript.Load("server_version");

    /// <summary>The version of the Redis <paramref name="db"/> talks to, or null when its answer is not one.</summary>
    public static async Task<Version?> ReadAsync(IDatabaseAsync db) => Parse((string?)await Script.RunAsync(db, [], []));

    /// <summary>
    /// A version ("7.2.4"), or INFO text with a <c>redis_version:</c> line; anything after the
    /// leading digits and dots is ignored. Null when there is no version in it.
    /// </summary>
    public static Version? Parse(string? reply)
    {
        if (reply is null) return null;
        const string field = "redis_version:";
        var text = reply.AsSpan();
        var at = text.IndexOf(field, StringComparison.Ordinal);
        if (at >= 0)
        {
            text = text[(at + field.Length)..];
            var end = text.IndexOfAny('\r', '\n');
            if (end >= 0) text = text[..end];
        }

        text = text.Trim();
        var length = 0;
        while (length < text.Length && (char.IsAsciiDigit(text[length]) || text[length] == '.')) length++;
        return Version.TryParse(text[..length], out var version) ? version : null;
    }

    /// <summary>What to tell the operator when <paramref name="version"/> is too old; null when it will do.</summary>
    public static string? Problem(Version version) => version >= Minimum
        ? null
        : $"Redis (Allocator:Redis) is version {version}; the allocator needs Redis {Minimum} or later (its Lua scripts use '#!lua' flags, "
          + "which older versions cannot run). Upgrade Redis, or point Allocator:Redis at a newer one.";
}

/// <summary>Redis is too old for the service: the replica stops at start with this message.</summary>
public sealed class RedisVersionException(string message) : Exception(message);
