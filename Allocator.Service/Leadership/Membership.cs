using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Leadership;

/// <summary>
/// This replica's entry in <c>{alloc}:members</c>, and the others' as last read. The entry is
/// written on every heartbeat and at once when readiness changes; entries whose heartbeat is
/// older than <see cref="AllocatorOptions.MemberTimeout"/> are pruned by whoever sees them.
/// </summary>
public sealed class Membership(IConnectionMultiplexer redis, KeyLayout keys, ReplicaIdentity replica, LeaderShare share, IOptions<LeadershipOptions> options, TimeProvider time)
{
    private readonly long _startedMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private volatile bool _ready;
    private long _readySinceMs;
    private volatile bool _leaving;
    private long _answeredAt = long.MinValue;

    /// <summary>Warmed up and not shutting down: may lead, and counts as a successor.</summary>
    public bool Ready => _ready && !_leaving;

    public void MarkReady()
    {
        Interlocked.Exchange(ref _readySinceMs, time.GetUtcNow().ToUnixTimeMilliseconds());
        _ready = true;
    }

    public Member Self => new(replica.Id, replica.Version, options.Value.Lead, Ready, _startedMs, time.GetUtcNow().ToUnixTimeMilliseconds(), Interlocked.Read(ref _readySinceMs), share.Leading);

    public async Task AnnounceAsync()
    {
        await redis.GetDatabase().HashSetAsync(keys.Members, replica.Id, Self.ToJson());
        Interlocked.Exchange(ref _answeredAt, time.GetTimestamp());
    }

    /// <summary>How long since Redis last took this replica's heartbeat (forever before the first).</summary>
    public TimeSpan SinceRedisAnswered
    {
        get
        {
            var at = Interlocked.Read(ref _answeredAt);
            return at == long.MinValue ? TimeSpan.MaxValue : time.GetElapsedTime(at);
        }
    }

    /// <summary>Shutting down: stop advertising readiness so nobody hands leadership to us.</summary>
    public Task LeaveAsync()
    {
        _leaving = true;
        return AnnounceAsync();
    }

    public Task ForgetAsync() => redis.GetDatabase().HashDeleteAsync(keys.Members, replica.Id);

    public async Task<IReadOnlyList<Member>> ReadAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(keys.Members);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var members = new List<Member>(entries.Length);
        var stale = new List<RedisValue>();
        foreach (var entry in entries)
        {
            var member = Member.FromJson(entry.Value!);
            if (member is not null && member.IsLive(now, options.Value.MemberTimeout)) members.Add(member);
            else stale.Add(entry.Name);
        }

        if (stale.Count > 0) await redis.GetDatabase().HashDeleteAsync(keys.Members, stale.ToArray());
        return members;
    }

    /// <summary>
    /// The replicas that keep a warm copy of this partition (<see cref="WarmStandbys"/>), from one
    /// read of the members and of the leader its last term named; with several partitions, those
    /// with room to lead one more first.
    /// </summary>
    public async Task<IReadOnlyList<Member>> WarmStandbysAsync()
    {
        var leader = redis.GetDatabase().HashGetAsync(keys.LeaderInfo, "replica");
        var members = await ReadAsync();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fair = LeaderShare.Of(share.Partitions, SuccessionPolicy.Leaders(members, now, options.Value.MemberTimeout));
        return WarmStandbys.Of(keys.Partition, (string?)await leader, Self, members, now, options.Value.MemberTimeout, options.Value.WarmStandbys, fair);
    }

    public async Task<bool> IsWarmStandbyAsync() => (await WarmStandbysAsync()).Any(m => m.Replica == replica.Id);

    /// <summary>
    /// Who this replica should leave a lease to, from one read of the members. Newer: a live,
    /// ready replica of a newer version that can lead and has room; a leader yields only to one
    /// that has settled (<see cref="LeadershipOptions.SuccessorSettle"/>), a candidate steps
    /// aside for any, since the lease is free anyway and the newest should take it. Lighter
    /// (leaders only): when this replica leads more than its share of the partitions, a settled
    /// replica that leads less.
    /// </summary>
    public async Task<Successors> SuccessorsAsync(bool leading)
    {
        var members = await ReadAsync();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var fair = LeaderShare.Of(share.Partitions, SuccessionPolicy.Leaders(members, now, options.Value.MemberTimeout));
        var newer = SuccessionPolicy.NewerThan(replica.Version, replica.Id, members, now, options.Value.MemberTimeout,
            leading ? options.Value.SuccessorSettle : TimeSpan.Zero, fair);
        var lighter = leading && share.Leading > fair
            ? SuccessionPolicy.LighterThan(replica.Version, replica.Id, members, now, options.Value.MemberTimeout, options.Value.SuccessorSettle, fair)
            : null;
        return new Successors(newer, lighter);
    }

    /// <summary>Whether this replica leads fewer partitions than its share (always with one partition).</summary>
    public async Task<bool> HasRoomToLeadAsync() =>
        share.Partitions == 1 || share.HasRoom(SuccessionPolicy.Leaders(await ReadAsync(), time.GetUtcNow().ToUnixTimeMilliseconds(), options.Value.MemberTimeout));
}

/// <summary>What <see cref="Membership.SuccessorsAsync"/> found.</summary>
public readonly record struct Successors(Member? Newer, Member? Lighter);
