namespace Allocator.Service.Leadership;

/// <summary>
/// Version-aware leadership (Akka's app-version idea): during a rollout leadership moves
/// once, to the newest version, instead of hopping across old replicas about to be stopped.
/// A replica neither takes nor keeps the lease while a live, ready, leading-capable replica
/// of a newer version exists.
/// </summary>
public static class SuccessionPolicy
{
    public static Member? NewerThan(string version, string self, IEnumerable<Member> members, long nowMs, TimeSpan timeout) =>
        members
            .Where(m => m.Replica != self && m.Lead && m.Ready && m.IsLive(nowMs, timeout))
            .Where(m => AppVersion.Compare(m.Version, version) > 0)
            .OrderByDescending(m => m.Version, Comparer<string>.Create(AppVersion.Compare))
            .FirstOrDefault();
}
