using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

public static class StorageServices
{
    /// <summary>One Redis connection per replica (and the leader's own when commits wait for replicas), the key layout and the scripts.</summary>
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
        services.TryAddSingleton(sp => new KeyLayout(sp.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix));
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
