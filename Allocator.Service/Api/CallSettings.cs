using Allocator.Service.Queue;
using Grpc.Core;

namespace Allocator.Service.Api;

/// <summary>The request id and deadline of one call, from its metadata and the configured bounds.</summary>
public static class CallSettings
{
    public const string RequestIdHeader = "x-request-id";

    /// <summary>The caller's <c>x-request-id</c> (its retries then reuse the first answer), or a new id.</summary>
    public static string RequestId(ServerCallContext context) =>
        TryRequestId(context, out var id)
            ? id
            : throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"{RequestIdHeader}: at most {Limits.MaxRequestIdLength} characters of letters, digits, '-', '_', '.', ':'"));

    /// <summary>False when the caller's <c>x-request-id</c> is malformed.</summary>
    public static bool TryRequestId(ServerCallContext context, out string id)
    {
        var given = context.RequestHeaders.GetValue(RequestIdHeader);
        id = given ?? Guid.NewGuid().ToString("N");
        return given is null || Names.IsRequestId(given);
    }

    /// <summary>
    /// The trace parent the leader links its batch to: this replica's span when tracing is on,
    /// else the caller's own <c>traceparent</c> (checked), so traces join up either way.
    /// </summary>
    public static string TraceParent(ServerCallContext context)
    {
        if (System.Diagnostics.Activity.Current is { } span) return span.Id ?? "";
        var given = context.RequestHeaders.GetValue("traceparent");
        return given is not null && System.Diagnostics.ActivityContext.TryParse(given, null, out _) ? given : "";
    }

    /// <summary>The caller's deadline, capped at MaxDeadline; DefaultDeadline when it set none.</summary>
    public static DateTimeOffset Deadline(ServerCallContext context, QueueOptions options, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var cap = now + options.MaxDeadline;
        if (context.Deadline == DateTime.MaxValue) return now + options.DefaultDeadline;
        var callers = new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));
        return callers < cap ? callers : cap;
    }
}
