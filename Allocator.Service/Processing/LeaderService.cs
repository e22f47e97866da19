using Allocator.Service.Storage;
using Allocator.Service.Leadership;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// The candidate role of every replica: wait for the lease, lead a term, step down, repeat.
/// On shutdown the term finishes the batch in hand, then the lease is released and the
/// release announced so another replica takes over at once.
/// </summary>
public sealed class LeaderService(
    LeaseCandidate candidate,
    LeaderTerm term,
    LeaderShare share,
    IHostApplicationLifetime lifetime,
    IOptions<LeadershipOptions> options,
    TimeProvider time,
    ILogger<LeaderService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        if (!options.Value.Lead) return;
        // Hand over as soon as SIGTERM arrives, while the front still drains its calls.
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, lifetime.ApplicationStopping);
        var stopping = leaving.Token;
        while (!stopping.IsCancellationRequested)
        {
            Lease lease;
            try
            {
                lease = await candidate.AcquireAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var crashed = false;
            share.Began();
            try
            {
                await term.RunAsync(lease, stopping);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The outcome of the last commit is unknown: drop the in-memory view (the term
                // is over) and let whoever holds the lease next reload it from Redis.
                // A lost connection has been reported once by RedisOutage; anything else is worth an error.
                if (RedisFailure.IsConnectionLoss(e)) ProcessingLog.TermEndedByOutage(log, RedisFailure.Short(e));
                else ProcessingLog.TermFailed(log, e is RedisException redisError ? RedisFailure.Describe(redisError) : RedisFailure.Short(e));
                candidate.ReleaseWhenReachable(lease.LockId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug must not leave a zombie leader: this replica stays a healthy front and
                // competes again after a pause, so another replica can lead meanwhile.
                ProcessingLog.TermCrashed(log, e);
                crashed = true;
            }
            finally
            {
                share.Ended();
                await ReleaseAsync(lease);
            }

            if (crashed)
            {
                try
                {
                    await Task.Delay(options.Value.LeaseTtl, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ReleaseAsync(Lease lease)
    {
        try
        {
            await lease.DisposeAsync();
            await candidate.AnnounceReleaseAsync();
            ProcessingLog.LeaseReleased(log);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.Report(e, "Releasing the leader lease", ProcessingLog.ReleaseFailed);
            // A term that stepped down while Redis was away: free its lease once Redis is back.
            candidate.ReleaseWhenReachable(lease.LockId);
        }
    }
}
