using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using RedLockNet;
using StackExchange.Redis;

namespace Allocator.Service.Leadership;

/// <summary>
/// Tries to take the leader lease until it succeeds: at once when a leader announces it has
/// released it, otherwise every <see cref="LeadershipOptions.LeaseRetry"/>; never while this
/// replica is shutting down, a newer version is ready to lead or this replica already leads its
/// share of the partitions (<see cref="LeaderShare"/>); and, without a warm copy of the
/// fleet (<see cref="WarmStandbys"/>), not before a warm standby has had <see cref="LeadershipOptions.StandbyHeadStart"/>.
/// </summary>
public sealed class LeaseCandidate(
    IDistributedLockFactory locks,
    Membership membership,
    IConnectionMultiplexer redis,
    KeyLayout keys,
    YieldLeaseScript yieldLease,
    IOptions<LeadershipOptions> options,
    TimeProvider time,
    ILogger<LeaseCandidate> log)
{
    private static readonly TimeSpan UnreleasedRetry = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim _tryNow = new(0, 1);
    private int _subscribed;
    private string? _unreleased;
    // When the head start left to a warm standby ends (MinValue: none given since the lease was last seen held).
    private long _standbyFirstUntil = long.MinValue;

    /// <summary>
    /// A term of this replica ended on a Redis failure, so its lease may still be in Redis
    /// (a promoted replica has it too): free it as soon as Redis answers, rather than have
    /// every candidate wait out its TTL.
    /// </summary>
    public void ReleaseWhenReachable(string lockId) => Volatile.Write(ref _unreleased, lockId);

    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await SubscribeAsync();
        _standbyFirstUntil = long.MinValue;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var retry = options.Value.LeaseRetry;
            try
            {
                if (Volatile.Read(ref _unreleased) is { } ended)
                {
                    var freed = await yieldLease.RunAsync(redis.GetDatabase(), ended);
                    Interlocked.CompareExchange(ref _unreleased, null, ended);
                    if (freed)
                    {
                        LeadershipLog.EndedLeaseFreed(log);
                        await AnnounceReleaseAsync();
                    }
                }

                var newer = membership.Ready ? (await membership.SuccessorsAsync(leading: false)).Newer : null;
                var mayLead = newer is null && membership.Ready && await membership.HasRoomToLeadAsync();
                if (newer is not null)
                {
                    // A rollout is under way: let the new version lead, so leadership moves once.
                    LeadershipLog.DeferringToNewer(log, newer.Replica, newer.Version);
                }
                else if (mayLead && await StandbyHeadStartAsync() is { } headStart)
                {
                    retry = headStart;
                }
                else if (mayLead && await TryAcquireAsync() is { } lease)
                {
                    // SIGTERM may have arrived while we were acquiring: do not start a term then.
                    if (membership.Ready && !cancellationToken.IsCancellationRequested) return lease;
                    await lease.DisposeAsync();
                    await AnnounceReleaseAsync();
                }
                else if (await redis.GetDatabase().KeyTimeToLiveAsync(keys.Leader) is { } remaining && remaining < retry)
                {
                    // A crashed leader's lease runs out before our next try: try right after it does.
                    retry = remaining + TimeSpan.FromMilliseconds(5);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.Report(e, "Leader lease attempt", LeadershipLog.LeaseAttemptFailed);
                // A lease still to free is tried again soon (every candidate waits on it): a
                // new primary can refuse writes for a moment until its replica is attached.
                if (Volatile.Read(ref _unreleased) is not null) retry = UnreleasedRetry;
            }

            using var wait = new CancellationTokenSource(retry, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
            try
            {
                await _tryNow.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>
    /// A replica that keeps no warm copy of this partition leaves a free lease to one that does
    /// (<see cref="WarmStandbys"/>) for <see cref="LeadershipOptions.StandbyHeadStart"/>, once
    /// each time it finds the lease free: the head start left, or null to try now.
    /// </summary>
    private async Task<TimeSpan?> StandbyHeadStartAsync()
    {
        var until = _standbyFirstUntil;
        if (until != long.MinValue && time.GetTimestamp() < until) return time.GetElapsedTime(time.GetTimestamp(), until);
        if (await redis.GetDatabase().KeyExistsAsync(keys.Leader))
        {
            _standbyFirstUntil = long.MinValue; // held: the next time it is free, leave it to a standby again
            return null;
        }

        var headStart = options.Value.StandbyHeadStart;
        if (until != long.MinValue || headStart <= TimeSpan.Zero) return null; // the head start ran out: anyone may lead
        var standbys = await membership.WarmStandbysAsync();
        var self = membership.Self.Replica;
        if (standbys.Count == 0 || standbys.Any(m => m.Replica == self)) return null;
        _standbyFirstUntil = time.GetTimestamp() + (long)(headStart.TotalSeconds * time.TimestampFrequency);
        LeadershipLog.StandbyFirst(log, standbys[0].Replica, (long)headStart.TotalMilliseconds);
        return headStart;
    }

    private async Task<Lease?> TryAcquireAsync()
    {
        var redLock = await locks.CreateLockAsync(keys.Leader.ToString(), options.Value.LeaseTtl);
        if (redLock.IsAcquired) return new Lease(redLock);
        await redLock.DisposeAsync();
        return null;
    }

    /// <summary>
    /// Runs the candidate's path once on a scratch lock of this replica's own (acquire,
    /// release, the newer-version check), so that taking over later runs compiled code.
    /// </summary>
    public async Task RehearseAsync(string scratchKey)
    {
        await using (var redLock = await locks.CreateLockAsync(scratchKey, options.Value.LeaseTtl))
        {
            _ = redLock.IsAcquired;
        }

        _ = await membership.SuccessorsAsync(leading: false);
    }

    /// <summary>Tells the other candidates the lease is free, so nobody waits out a TTL.</summary>
    public Task AnnounceReleaseAsync() => redis.GetSubscriber().PublishAsync(keys.LeaseEvents, "released");

    private async Task SubscribeAsync()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1) return;
        await redis.SubscribeAsync(keys.LeaseEvents, (_, _) => Wake(), log);
        // Redis is back (a restart, a failover): a lease to free, or one freed meanwhile (its
        // announcement lost with the connection), is acted on now, not at the next retry.
        redis.ConnectionRestored += (_, _) => Wake();
    }

    private void Wake()
    {
        if (_tryNow.CurrentCount == 0)
        {
            try { _tryNow.Release(); } catch (SemaphoreFullException) { }
        }
    }
}
