using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using RedLockNet;
using StackExchange.Redis;

namespace Allocator.Service.Leadership;

/// <summary>
/// Tries to take the leader lease until it succeeds: at once when a leader announces it has
/// released it, otherwise every <see cref="LeadershipOptions.LeaseRetry"/>; never while this
/// replica is shutting down or a newer version is ready to lead.
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
    private readonly SemaphoreSlim _released = new(0, 1);
    private int _subscribed;
    private string? _unreleased;

    /// <summary>
    /// A term of this replica ended on a Redis failure, so its lease may still be in Redis
    /// (a promoted replica has it too): free it as soon as Redis answers, rather than have
    /// every candidate wait out its TTL.
    /// </summary>
    public void ReleaseWhenReachable(string lockId) => Volatile.Write(ref _unreleased, lockId);

    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await SubscribeAsync();
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

                var newer = membership.Ready ? await membership.NewerLeaderCandidateAsync(leading: false) : null;
                if (newer is not null)
                {
                    // A rollout is under way: let the new version lead, so leadership moves once.
                    LeadershipLog.DeferringToNewer(log, newer.Replica, newer.Version);
                }
                else if (membership.Ready && await TryAcquireAsync() is { } lease)
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
            }

            using var wait = new CancellationTokenSource(retry, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
            try
            {
                await _released.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
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

        _ = await membership.NewerLeaderCandidateAsync(leading: false);
    }

    /// <summary>Tells the other candidates the lease is free, so nobody waits out a TTL.</summary>
    public Task AnnounceReleaseAsync() => redis.GetSubscriber().PublishAsync(keys.LeaseEvents, "released");

    private async Task SubscribeAsync()
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 1) return;
        await redis.SubscribeAsync(keys.LeaseEvents, (_, _) =>
        {
            if (_released.CurrentCount == 0)
            {
                try { _released.Release(); } catch (SemaphoreFullException) { }
            }
        }, log);
    }
}
