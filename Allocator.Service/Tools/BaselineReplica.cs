using Allocator.Service.Hosting;
using Allocator.Service.Inventory;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service baseline-replica</c> (same settings as <c>serve</c>), BENCHMARK ONLY: a
/// replica with the product's host and front (Kestrel, gRPC, validation, request id, deadline,
/// metrics), whose Allocate calls are decided by its own <see cref="AgonesStyleAllocator"/> (one
/// per partition) instead of the queue. No candidate, no leader, no lease, no request stream,
/// no standby copy.
/// </summary>
public static class BaselineReplica
{
    public static WebApplication Build(string[] args) => AllocatorHost.Build(args, partition =>
    {
        Type[] leaderRoles = [typeof(LeaderService), typeof(LeaderWarmup), typeof(FleetFollowing)];
        foreach (var role in partition.Where(d => d.ServiceType == typeof(IHostedService) && leaderRoles.Contains(d.ImplementationType)).ToList()) partition.Remove(role);
        partition.AddSingleton<AgonesStyleAllocator>();
        partition.Replace(ServiceDescriptor.Singleton<ILocalAllocation>(sp => sp.GetRequiredService<AgonesStyleAllocator>()));
        partition.AddHostedService<BaselineStart>();
    });
}

/// <summary>
/// Before the endpoint takes calls: adds the partition's share of the seed
/// (<c>Inventory:DemoFleet</c>, <c>SeedFile</c>) to its hash once, as its leader would (missing
/// servers only, by fingerprint; replicas starting together write the same servers with HSETNX),
/// loads the allocator's cache, then reports ready.
/// </summary>
internal sealed class BaselineStart(AgonesStyleAllocator allocator, IConnectionMultiplexer redis, KeyLayout keys, SeedScope scope, IOptions<InventoryOptions> inventory, Membership membership) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seed = inventory.Value;
        if (seed.IsKubernetes) throw new InvalidOperationException("baseline-replica runs stand-alone only (Allocator:Inventory:Source).");
        var db = redis.GetDatabase();
        var fingerprint = FleetSeed.Fingerprint(seed.DemoFleet, seed.SeedFile);
        if ((string?)await db.StringGetAsync(keys.Seed) != fingerprint)
        {
            await Task.WhenAll(FleetSeed.FromOptions(seed.DemoFleet, seed.SeedFile).Where(scope.Owns)
                .Select(s => db.HashSetAsync(keys.GameServers, s.Key, GameServerJson.Serialize(s), When.NotExists)));
            await db.StringSetAsync(keys.Seed, fingerprint);
        }

        await allocator.StartAsync();
        membership.MarkReady();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
