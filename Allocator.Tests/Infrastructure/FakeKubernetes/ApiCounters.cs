using System.Collections.Concurrent;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>What the fake has served, for assertions: list and watch calls, 409s, and every write request.</summary>
internal sealed class ApiCounters
{
    private readonly ConcurrentQueue<(string Method, string Path, string ContentType, string Body, int Status)> _writes = new();
    private int _lists;
    private int _watches;
    private int _conflicts;

    public int Lists => Volatile.Read(ref _lists);

    public int Watches => Volatile.Read(ref _watches);

    public int Conflicts => Volatile.Read(ref _conflicts);

    public IReadOnlyList<(string Method, string Path, string ContentType, string Body, int Status)> Writes => [.. _writes];

    public void OnList() => Interlocked.Increment(ref _lists);

    public void OnWatch() => Interlocked.Increment(ref _watches);

    public void OnReply(string method, string path, string contentType, string body, int status)
    {
        if (status == 409) Interlocked.Increment(ref _conflicts);
        if (method is not ("GET" or "HEAD")) _writes.Enqueue((method, path, contentType, body, status));
    }
}
