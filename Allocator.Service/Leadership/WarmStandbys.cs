namespace Allocator.Service.Leadership;

/// <summary>
/// Which replicas keep a warm copy of a partition's fleet (replay its change log) so that one of
/// them can lead it next without loading the hash: the first <c>count</c> live, ready replicas
/// that can lead, other than its leader, ranked first by room to lead one more partition (a
/// replica at its share could not take this one), then newest version first (in a rollout the
/// new version takes over), then by a rendezvous hash of (replica, partition). The hash spreads the
/// standbys of many partitions over the replicas, and a replica that comes or goes moves only
/// the partitions it ranks first for. Following costs Redis and CPU per allocation on every
/// follower, so with R replicas this keeps that cost at <c>count</c> followers, not R - 1.
/// </summary>
public static class WarmStandbys
{
    /// <summary>
    /// The ranked standbys of <paramref name="partition"/>. <paramref name="self"/> counts when
    /// it can lead, ready or not: a replica warming up loads the copies it will hold once ready.
    /// <paramref name="share"/> is the most partitions a replica may lead (<see cref="LeaderShare"/>).
    /// </summary>
    public static IReadOnlyList<Member> Of(int partition, string? leader, Member self, IEnumerable<Member> members, long nowMs, TimeSpan timeout, int count, int share = int.MaxValue) =>
        members
            .Where(m => m.Replica != self.Replica && m.Lead && m.Ready && m.IsLive(nowMs, timeout))
            .Concat(self.Lead ? [self] : [])
            .Where(m => m.Replica != leader)
            .OrderByDescending(m => m.Leads < share)
            .ThenByDescending(m => m.Version, Comparer<string>.Create(AppVersion.Compare))
            .ThenByDescending(m => Score(m.Replica, partition))
            .ThenBy(m => m.Replica, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    /// <summary>
    /// The rendezvous weight of a replica for a partition: FNV-1a over the replica id and the
    /// partition, then a 64-bit finaliser so that ids differing in one character spread.
    /// </summary>
    public static ulong Score(string replica, int partition)
    {
        var hash = 14695981039346656037ul;
        foreach (var c in replica) hash = (hash ^ c) * 1099511628211ul;
        hash = (hash ^ (uint)partition) * 1099511628211ul;
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdul;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53ul;
        return hash ^ (hash >> 33);
    }
}
