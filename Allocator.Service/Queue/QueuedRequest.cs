namespace Allocator.Service.Queue;

/// <summary>Which stream an entry came from: allocations, or stand-alone inventory changes.</summary>
public enum RequestKind { Allocation, Inventory }

/// <summary>One stream entry as the leader reads it.</summary>
public sealed record QueuedRequest(
    RequestKind Kind,
    string StreamId,
    string RequestId,
    string Replica,
    long DeadlineUnixMs,
    string TraceParent,
    string Payload);

/// <summary>Field names of a stream entry; readable with <c>XRANGE</c>.</summary>
public static class EntryFields
{
    public const string Id = "id";
    public const string Replica = "replica";
    public const string Deadline = "deadline";
    public const string TraceParent = "traceparent";
    public const string Request = "request";
}
