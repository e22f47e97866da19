using System.Diagnostics;

namespace Allocator.Service.Processing;

/// <summary>
/// Where a leader's time goes, per phase of its batches (wall clock), summed over a period
/// and logged, then reset: read, stored-result lookup, decide, commit.
/// </summary>
public sealed class BatchStats
{
    private long _batches, _requests, _read, _lookup, _decide, _commit;
    private long _since = Stopwatch.GetTimestamp();

    public void Add(int requests, long read, long lookup, long decide, long commit)
    {
        _batches++;
        _requests += requests;
        _read += read;
        _lookup += lookup;
        _decide += decide;
        _commit += commit;
    }

    /// <summary>Logs and resets when <paramref name="period"/> has passed.</summary>
    public void ReportEvery(TimeSpan period, ILogger log, long epoch)
    {
        var elapsed = Stopwatch.GetElapsedTime(_since);
        if (elapsed < period || _batches == 0) return;
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        ProcessingLog.BatchStats(log, epoch, _batches, _requests / elapsed.TotalSeconds, _requests / (double)_batches,
            Ms(_read) / _batches, Ms(_lookup) / _batches, Ms(_decide) / _batches, Ms(_commit) / _batches);
        _batches = _requests = _read = _lookup = _decide = _commit = 0;
        _since = Stopwatch.GetTimestamp();
    }
}
