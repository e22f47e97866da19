namespace Allocator.Service.Leadership;

/// <summary>
/// Version-aware leadership (Akka's app-version idea): during a rollout leadership moves
/// once, to the newest version, instead of hopping across old replicas about to be stopped.
/// A replica neither takes nor keeps the lease while a live, ready, leading-capable replica
/// of a newer version exists. A successor counts once it has been ready for
/// <paramref name="settle"/>: a process that just started is still compiling and collecting,
/// and would serve its first batches slowly.
/// </summary>
public static class SuccessionPolicy
{
    public static Member? NewerThan(string version, string self, IEnumerable<Member> members, long nowMs, TimeSpan timeout, TimeSpan settle = default) =>
        members
            .Where(m => m.Replica != self && m.Lead && m.Ready && m.IsLive(nowMs, timeout))
            .Where(m => nowMs - m.ReadySinceMs >= (long)settle.TotalMilliseconds)
            .Where(m => AppVersion.Compare(m.Version, version) > 0)
            .OrderByDescending(m => m.Version, Comparer<string>.Create(AppVersion.Compare))
            .FirstOrDefault();
}
