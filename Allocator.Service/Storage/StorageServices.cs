using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Storage;

public static class StorageServices
{
    /// <summary>One Redis connection per replica, the key layout and the scripts.</summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<RedisOptions, RedisOptionsValidator>(configuration);
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            var config = ConfigurationOptions.Parse(options.Redis);
            if (options.RedisUser.Length > 0) config.User = options.RedisUser;
            if (options.RedisPassword.Length > 0) config.Password = options.RedisPassword;
            if (options.RedisTls) config.Ssl = true;
            if (options.RedisCaFile.Length > 0) config.TrustIssuer(options.RedisCaFile);
            config.AbortOnConnectFail = false; // start anyway; calls answer UNAVAILABLE until Redis is back
            config.BacklogPolicy = BacklogPolicy.FailFast; // while Redis is away, fail at once instead of queueing for seconds
            config.ReconnectRetryPolicy ??= new ExponentialRetry(250, 2000);
            config.ClientName ??= "allocator-" + sp.GetRequiredService<Queue.ReplicaIdentity>().Id;
            // No tie-breaker key or master-changed channel: neither is used, and both would fall
            // outside the least-privilege ACL's key and channel patterns (SECURITY.md).
            config.TieBreaker = "";
            config.ConfigurationChannel = "";
            return ConnectionMultiplexer.Connect(config);
        });
        services.TryAddSingleton(sp => new KeyLayout(sp.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix));
        services.TryAddSingleton<EnqueueScript>();
        services.TryAddSingleton<SettleScript>();
        services.TryAddSingleton<BeginTermScript>();
        services.TryAddSingleton<ReadBatchScript>();
        services.TryAddSingleton<CommitScript>();
        services.TryAddSingleton<WriteBackScript>();
        return services;
    }
}
