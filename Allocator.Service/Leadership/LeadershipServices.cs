using Microsoft.Extensions.DependencyInjection.Extensions;
using RedLockNet;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace Allocator.Service.Leadership;

public static class LeadershipServices
{
    public static IServiceCollection AddLeadership(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<LeadershipOptions, LeadershipOptionsValidator>(configuration);
        services.TryAddSingleton<IDistributedLockFactory>(sp =>
        {
            var redis = (ConnectionMultiplexer)sp.GetRequiredService<IConnectionMultiplexer>();
            // The lease key is exactly {prefix}:leader; one SET NX attempt per try (the
            // candidate loop does the retrying, and listens for releases in between).
            var multiplexer = new RedLockMultiplexer(redis) { RedisKeyFormat = "{0}" };
            return RedLockFactory.Create([multiplexer], new RedLockRetryConfiguration(retryCount: 1, retryDelayMs: 10), sp.GetService<ILoggerFactory>());
        });
        return services;
    }

    /// <summary>A partition's lease candidate and this replica's membership entry in it.</summary>
    public static IServiceCollection AddPartitionLeadership(this IServiceCollection services)
    {
        services.TryAddSingleton<LeaseCandidate>();
        services.TryAddSingleton<Membership>();
        services.AddHostedService<MembershipHeartbeat>();
        return services;
    }
}
