using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>A fleet's sessions as stored in the Redis hash: what the load generator and the benchmarks check answers against.</summary>
public static class FleetOccupancy
{
    /// <summary>The counter <paramref name="counter"/> of every server of <paramref name="fleet"/> that has it.</summary>
    public static async Task<List<CounterState>> ReadAsync(IConnectionMultiplexer redis, KeyLayout keys, string fleet, string counter) =>
        (await redis.GetDatabase().HashGetAllAsync(keys.GameServers))
            .Select(e => GameServerJson.Deserialize(e.Value!))
            .Where(s => s.Labels.GetValueOrDefault("agones.dev/fleet") == fleet && s.Counters.ContainsKey(counter))
            .Select(s => s.Counters[counter])
            .ToList();
}
