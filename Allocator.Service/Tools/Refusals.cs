using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;

namespace Allocator.Service.Tools;

/// <summary>
/// What the load generator was refused during a run, by status and message (the message up to
/// its first detail), with when it was first and last seen: to read a chaos run's gap beside
/// the replicas' logs.
/// </summary>
internal sealed class Refusals
{
    private readonly ConcurrentDictionary<string, (int Count, long First, long Last)> _seen = new();
    private readonly ConcurrentQueue<(long Ticks, string Detail)> _each = new();

    /// <summary>Records <paramref name="e"/>; true, so it can sit in an exception filter.</summary>
    public bool Seen(RpcException e, long ticks)
    {
        var detail = e.Status.Detail;
        var cut = detail.IndexOf(':');
        var key = $"{e.StatusCode} \"{(cut > 0 ? detail[..cut] : detail[..Math.Min(detail.Length, 60)])}\"";
        _seen.AddOrUpdate(key, (1, ticks, ticks), (_, v) => (v.Count + 1, v.First, ticks));
        _each.Enqueue((ticks, $"{e.StatusCode} {detail}"));
        return true;
    }

    /// <summary>Every answer and refusal in time order, one per line (<c>--events FILE</c>).</summary>
    public async Task WriteEventsAsync(string path, DateTime startedAt, IEnumerable<long> answers)
    {
        var lines = answers.Select(t => (Ticks: t, Line: "OK"))
            .Concat(_each.Select(r => (r.Ticks, Line: r.Detail.ReplaceLineEndings(" "))))
            .OrderBy(x => x.Ticks)
            .Select(x => $"{At(x.Ticks, startedAt):HH:mm:ss.fff} {x.Line}");
        await File.WriteAllLinesAsync(path, lines);
    }

    private static DateTime At(long ticks, DateTime startedAt) => startedAt.AddSeconds(ticks / (double)Stopwatch.Frequency);

    public void Print(TextWriter to, DateTime startedAt)
    {
        foreach (var (key, (count, first, last)) in _seen.OrderBy(p => p.Value.First))
            to.WriteLine($"    refused {count}x {key} from {At(first, startedAt):HH:mm:ss.fff} to {At(last, startedAt):HH:mm:ss.fff}");
    }
}
