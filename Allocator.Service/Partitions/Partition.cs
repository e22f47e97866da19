using Allocator.Service.Leadership;
using Allocator.Service.Queue;

namespace Allocator.Service.Partitions;

/// <summary>Which partition a partition's own services belong to.</summary>
public sealed record PartitionSlot(int Index, PartitionMap Map, PartitionBy By)
{
    /// <summary>Whether a game server (its fleet label or namespace) belongs here.</summary>
    public bool Owns(Allocation.GameServer server) =>
        Map.Count == 1 || Map.Of(By == PartitionBy.Namespace ? server.Namespace : server.Labels.GetValueOrDefault(PartitionRoute.FleetLabel, "")) == Index;
}

/// <summary>
/// One partition as this replica serves it: a container of its own holding its key layout and
/// every per-partition service (queue, lease candidate, leader, follower), whose hosted
/// services this class starts and stops.
/// </summary>
public sealed class Partition(IServiceProvider services)
{
    private IHostedService[] _running = [];

    public RequestSubmitter Submitter { get; } = services.GetRequiredService<RequestSubmitter>();
    /// <summary>Where the front has an Allocate of this partition decided.</summary>
    public ILocalAllocation Allocations { get; } = services.GetRequiredService<ILocalAllocation>();
    public Membership Membership { get; } = services.GetRequiredService<Membership>();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var hosted = services.GetServices<IHostedService>().ToArray();
        for (var i = 0; i < hosted.Length; i++)
        {
            await hosted[i].StartAsync(cancellationToken);
            _running = hosted[..(i + 1)];
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _running.Reverse()) await service.StopAsync(cancellationToken);
    }
}
