using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Leadership;

/// <summary>Keeps this replica's membership entry fresh; on shutdown marks it not ready at once, then removes it.</summary>
public sealed class MembershipHeartbeat(Membership membership, IHostApplicationLifetime lifetime, IOptions<LeadershipOptions> options, TimeProvider time, ILogger<MembershipHeartbeat> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        // SIGTERM: readiness goes false before anything else stops.
        lifetime.ApplicationStopping.Register(() => _ = Try(membership.LeaveAsync));
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        do
        {
            await Try(membership.AnnounceAsync);
        }
        while (await Next(timer, stopping));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Try(membership.ForgetAsync);
    }

    private static async Task<bool> Next(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stopping);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task Try(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.Report(e, "Membership heartbeat", LeadershipLog.HeartbeatFailed);
        }
    }
}
