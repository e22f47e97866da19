using Allocator.Service.Storage;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Partitions;

public static class PartitionServices
{
    /// <summary>
    /// The partitions this replica serves, each built by <paramref name="partition"/> into a
    /// container of its own (its keys, queue, lease, leader and follower), and the hosted service
    /// that starts and stops them. Register after every replica-wide service.
    /// </summary>
    public static IServiceCollection AddPartitions(this IServiceCollection services, IConfiguration configuration, Action<IServiceCollection> partition)
    {
        services.AddSettings<PartitionOptions, PartitionOptionsValidator>(configuration, PartitionOptions.Section);
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<PartitionOptions>>().Value;
            return new PartitionMap(o.Count, o.Table);
        });
        services.AddSingleton(sp => new Leadership.LeaderShare(sp.GetRequiredService<PartitionMap>().Count, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PartitionSet(services, sp, partition));
        services.AddHostedService<PartitionHosting>();
        return services;
    }
}

/// <summary>
/// Starts every partition's services (each partition's in the order they were registered, the
/// partitions side by side) and stops them in reverse, so each leader hands over on shutdown.
/// </summary>
internal sealed class PartitionHosting(PartitionSet partitions) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.WhenAll(partitions.All.Select(p => p.StartAsync(cancellationToken)));

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(partitions.All.Select(p => p.StopAsync(cancellationToken)));
}
