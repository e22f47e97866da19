using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>Words for a Redis failure a caller or an operator can act on.</summary>
public static class RedisFailure
{
    // StackExchange.Redis appends its client's state to a message (buffers, thread pool, version):
    // useful in a bug report, noise in a log line or a caller's error.
    private static readonly string[] DiagnosticsStart = ["; ", ", mc: ", ", next: ", ", inst: ", ", serverEndpoint: "];

    /// <summary>The error, with a pointer to the ACL when Redis refused a command or key (NOPERM, or a script's denied call).</summary>
    public static string Describe(RedisException e) =>
        e.Message.Contains("NOPERM", StringComparison.Ordinal) || e.Message.Contains("can't run this command", StringComparison.Ordinal)
            ? "the Redis ACL denies the allocator's user a command, key or channel it needs (see scripts/redis-acl.conf and SECURITY.md): " + Short(e)
            : Short(e);

    /// <summary>The message without the client's state dump.</summary>
    public static string Short(Exception e)
    {
        var message = e.Message;
        foreach (var marker in DiagnosticsStart)
        {
            var at = message.IndexOf(marker, StringComparison.Ordinal);
            if (at > 0) message = message[..at];
        }

        return message;
    }

    /// <summary>
    /// The connection is down: <see cref="RedisOutage"/> has said so once for the endpoint, so a
    /// loop that fails on it logs at Debug instead of a warning per attempt.
    /// </summary>
    public static bool IsConnectionLoss(Exception e) => e is RedisConnectionException;

    /// <summary>A step that failed on Redis: at Debug when the connection is down, else through <paramref name="warn"/>, without the client's state dump.</summary>
    public static void Report(this ILogger log, Exception e, string step, Action<ILogger, string> warn)
    {
        if (IsConnectionLoss(e)) StorageLog.StepSkipped(log, step, Short(e));
        else warn(log, Short(e));
    }
}
