namespace Allocator.Service.Leadership;

/// <summary>
/// Version-aware leadership (Akka's app-version idea): during a rollout leadership moves
/// once, to the newest version, instead of hopping across old replicas about to be stopped.
/// A replica neither takes nor keeps the lease while a live, ready, leading-capable replica
/// of a newer version exists. A successor counts once it has been ready for
/// <paramref name="settle"/>: a process that just started is still compiling and collecting,
/// and would serve its first batches slowly.
/// With several partitions, a successor counts only while it leads fewer than its share
/// (<see cref="LeaderShare"/>): a new version full of partitions does not keep the rest leaderless.
/// </summary>
public static class SuccessionPolicy
{
    public static Member? NewerThan(string version, string self, IEnumerable<Member> members, long nowMs, TimeSpan timeout, TimeSpan settle = default, int share = int.MaxValue) =>
        Successors(self, members, nowMs, timeout, settle)
            .Where(m => m.Leads < share)
            .Where(m => AppVersion.Compare(m.Version, version) > 0)
            .OrderByDescending(m => m.Version, Comparer<string>.Create(AppVersion.Compare))
            .FirstOrDefault();

    /// <summary>
    /// A replica that leads fewer than <paramref name="share"/> partitions, of this version or a
    /// newer one, to hand a partition to when this replica leads more than its share.
    /// </summary>
    public static Member? LighterThan(string version, string self, IEnumerable<Member> members, long nowMs, TimeSpan timeout, TimeSpan settle, int share) =>
        Successors(self, members, nowMs, timeout, settle)
            .Where(m => m.Leads < share && AppVersion.Compare(m.Version, version) >= 0)
            .OrderBy(m => m.Leads)
            .FirstOrDefault();

    /// <summary>How many live, ready replicas can lead (this one among them when it is ready).</summary>
    public static int Leaders(IEnumerable<Member> members, long nowMs, TimeSpan timeout) =>
        members.Count(m => m.Lead && m.Ready && m.IsLive(nowMs, timeout));

    private static IEnumerable<Member> Successors(string self, IEnumerable<Member> members, long nowMs, TimeSpan timeout, TimeSpan settle) =>
        members
            .Where(m => m.Replica != self && m.Lead && m.Ready && m.IsLive(nowMs, timeout))
            .Where(m => nowMs - m.ReadySinceMs >= (long)settle.TotalMilliseconds);
}
