using Allocator.Service.Storage;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Partitions;

/// <summary>
/// Every partition of the service, as this replica serves them (each replica serves all of them
/// as a front and a candidate; <see cref="LeaderShare"/> spreads the leaders). A partition's
/// container sees every replica-wide singleton (the Redis connection, the metrics, the settings)
/// and adds its own services beside them.
/// </summary>
public sealed class PartitionSet
{
    private readonly Partition[] _partitions;

    public PartitionSet(IServiceCollection replicaServices, IServiceProvider replica, Action<IServiceCollection> partition)
    {
        var options = replica.GetRequiredService<IOptions<PartitionOptions>>().Value;
        Map = replica.GetRequiredService<PartitionMap>();
        By = options.By;
        var prefix = replica.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix;
        _partitions = Enumerable.Range(0, Map.Count).Select(i =>
        {
            var slot = new PartitionSlot(i, Map, By);
            var keys = new KeyLayout(Map.Prefix(prefix, i), i);
            var services = new ServiceCollection();
            ReplicaServices.Forward(replicaServices, replica, services);
            var logs = replica.GetRequiredService<ILoggerFactory>();
            services.AddSingleton(Map.Count == 1 ? logs : new PartitionLogs(logs, i));
            services.AddSingleton(slot);
            services.AddSingleton(new Inventory.SeedScope(slot.Owns));
            services.AddSingleton(keys);
            partition(services);
            return new Partition(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
        }).ToArray();
    }

    public PartitionMap Map { get; }
    public PartitionBy By { get; }
    public IReadOnlyList<Partition> All => _partitions;

    /// <summary>The partition that decides <paramref name="request"/>; a problem naming the field when none can.</summary>
    public (Partition? Partition, string? Problem) For(global::Allocation.V1.AllocationRequest request)
    {
        var (index, problem) = PartitionRoute.Of(request, Map, By);
        return problem is null ? (_partitions[index], null) : (null, problem);
    }

    /// <summary>The partition that owns a game server with this fleet label and namespace.</summary>
    public Partition Owning(string fleet, string @namespace) => _partitions[Map.Of(By == PartitionBy.Namespace ? @namespace : fleet)];
}
