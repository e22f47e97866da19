using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

public static class StorageServices
{
    /// <summary>One Redis connection per replica (and the leader's own when commits wait for replicas), and the checks on it.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<RedisOptions, RedisOptionsValidator>(configuration);
        services.TryAddSingleton<RedisRoute>();
        services.TryAddSingleton<IConnectionMultiplexer>(sp => ConnectionMultiplexer.Connect(sp.GetRequiredService<RedisRoute>()
            .Configuration("allocator-" + sp.GetRequiredService<Queue.ReplicaIdentity>().Id)));
        services.TryAddSingleton<LeaderConnection>();
        services.TryAddSingleton<ReplicaAcks>();
        services.AddHostedService<RedisOutage>();
        services.AddHostedService<RedisVersionCheck>();
        services.AddHostedService<ReplicationCheck>();
        return services;
    }

    /// <summary>A partition's scripts, over its <see cref="KeyLayout"/> (registered by the partition).</summary>
    public static IServiceCollection AddPartitionScripts(this IServiceCollection services)
    {
        services.TryAddSingleton<EnqueueScript>();
        services.TryAddSingleton<SettleScript>();
        services.TryAddSingleton<BeginTermScript>();
        services.TryAddSingleton<CommitScript>();
        services.TryAddSingleton<WriteBackScript>();
        services.TryAddSingleton<ReleaseScript>();
        services.TryAddSingleton<YieldLeaseScript>();
        return services;
    }
}
