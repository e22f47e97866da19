using Microsoft.Extensions.Options;

namespace Allocator.Service.Partitions;

/// <summary>
/// Makes a replica's singletons visible in a partition's container: each single-registered
/// singleton, every settings object (<c>IOptions&lt;T&gt;</c> as the replica bound, configured
/// and validated it) and the loggers (over the partition's <see cref="ILoggerFactory"/>). Hosted services and services registered several times
/// stay the replica's. A partition's container lives as long as the replica and is never
/// disposed: the replica's container owns (and disposes) what is forwarded.
/// </summary>
internal static class ReplicaServices
{
    public static void Forward(IServiceCollection replicaServices, IServiceProvider replica, IServiceCollection partition)
    {
        var counts = replicaServices.GroupBy(d => d.ServiceType).ToDictionary(g => g.Key, g => g.Count());
        foreach (var descriptor in replicaServices)
        {
            var type = descriptor.ServiceType;
            if (descriptor.Lifetime != ServiceLifetime.Singleton || descriptor.IsKeyedService || type.IsGenericTypeDefinition) continue;
            if (counts[type] > 1 || type == typeof(IHostedService) || type == typeof(ILoggerFactory)) continue;
            partition.Add(ServiceDescriptor.Singleton(type, new Forwarded(replica, type).Resolve));
        }

        foreach (var settings in SettingsTypes(replicaServices))
        {
            var options = typeof(IOptions<>).MakeGenericType(settings);
            partition.Add(ServiceDescriptor.Singleton(options, new Forwarded(replica, options).Resolve));
        }

        partition.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
    }

    private static IEnumerable<Type> SettingsTypes(IServiceCollection services) => services
        .Select(d => d.ServiceType)
        .Where(t => t.IsGenericType && !t.IsGenericTypeDefinition &&
                    (t.GetGenericTypeDefinition() == typeof(IConfigureOptions<>) || t.GetGenericTypeDefinition() == typeof(IValidateOptions<>)))
        .Select(t => t.GetGenericArguments()[0])
        .Distinct();

    private sealed class Forwarded(IServiceProvider replica, Type type)
    {
        public object Resolve(IServiceProvider _) => replica.GetRequiredService(type);
    }
}
