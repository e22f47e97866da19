using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>Words for a Redis failure a caller or an operator can act on.</summary>
public static class RedisFailure
{
    /// <summary>The error, with a pointer to the ACL when Redis refused a command or key (NOPERM, or a script's denied call).</summary>
    public static string Describe(RedisException e) =>
        e.Message.Contains("NOPERM", StringComparison.Ordinal) || e.Message.Contains("can't run this command", StringComparison.Ordinal)
            ? "the Redis ACL denies the allocator's user a command, key or channel it needs (see scripts/redis-acl.conf and SECURITY.md): " + e.Message
            : e.Message;
}
