namespace Allocator.Service.Leadership;

/// <summary>The lease, membership and version-aware hand-over (section <c>Allocator</c>).</summary>
public sealed class LeadershipOptions
{
    /// <summary>Whether this replica competes for leadership; false makes a front-only replica.</summary>
    public bool Lead { get; set; } = true;
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>How often a non-leader retries the lease (a released lease is tried at once).</summary>
    public TimeSpan LeaseRetry { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How often a replica refreshes its entry in {alloc}:members.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>A member whose heartbeat is older than this is gone (and pruned).</summary>
    public TimeSpan MemberTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>How long a newer replica must have been ready before leadership moves to it.</summary>
    public TimeSpan SuccessorSettle { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>
    /// How long a replica without a warm copy of a partition's fleet (not one of its
    /// <see cref="WarmStandbys"/>, or a leader whose term just ended on a Redis failure) leaves
    /// a free lease to a warm standby, which leads from its copy instead of a full load.
    /// </summary>
    public TimeSpan StandbyHeadStart { get; set; } = TimeSpan.FromMilliseconds(250);
    /// <summary>
    /// How many replicas besides a partition's leader keep a warm copy of its fleet
    /// (<see cref="WarmStandbys"/>); a replica without one leaves a free lease to them for
    /// <see cref="StandbyHeadStart"/>, and loads the hash if it leads after all.
    /// </summary>
    public int WarmStandbys { get; set; } = 1;
}

public sealed class LeadershipOptionsValidator : SettingsValidator<LeadershipOptions>
{
    public override IEnumerable<string> Problems(LeadershipOptions o)
    {
        if (o.LeaseTtl < TimeSpan.FromMilliseconds(100)) yield return "Allocator:LeaseTtl must be at least 100ms.";
        if (o.LeaseRetry <= TimeSpan.Zero) yield return "Allocator:LeaseRetry must be positive.";
        if (o.HeartbeatInterval <= TimeSpan.Zero) yield return "Allocator:HeartbeatInterval must be positive.";
        if (o.StandbyHeadStart < TimeSpan.Zero) yield return "Allocator:StandbyHeadStart must not be negative.";
        if (o.WarmStandbys < 0) yield return "Allocator:WarmStandbys must not be negative.";
        if (o.MemberTimeout < 2 * o.HeartbeatInterval) yield return "Allocator:MemberTimeout must be at least twice Allocator:HeartbeatInterval.";
    }
}
