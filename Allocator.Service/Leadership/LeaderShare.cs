namespace Allocator.Service.Leadership;

/// <summary>
/// How many partitions this replica leads, and its share: with P partitions and R replicas that
/// can lead, none leads more than ceil(P / R). A candidate without room does not try a lease;
/// a leader over its share hands one partition over, at most one per heartbeat, to a replica
/// under it. With one partition the share is always one, so nothing changes.
/// </summary>
public sealed class LeaderShare(int partitions, TimeProvider time)
{
    private int _leading;
    private long _lastHandOver = long.MinValue;

    public int Partitions => partitions;

    public int Leading => Volatile.Read(ref _leading);

    public static int Of(int partitions, int leaders) => (partitions + Math.Max(1, leaders) - 1) / Math.Max(1, leaders);

    public bool HasRoom(int leaders) => Leading < Of(partitions, leaders);

    public void Began() => Interlocked.Increment(ref _leading);

    public void Ended() => Interlocked.Decrement(ref _leading);

    /// <summary>True for one caller per <paramref name="interval"/>: the hand-overs for balance go one at a time.</summary>
    public bool TryHandOver(TimeSpan interval)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastHandOver);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < interval) return false;
        return Interlocked.CompareExchange(ref _lastHandOver, now, last) == last;
    }
}
