using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service occupancy --redis HOST:PORT [--prefix P] [--fleet F] [--counter C]</c>:
/// prints <c>sessions=N used=U</c> (servers with a session) for a fleet as stored in Redis, so a
/// benchmark driven by a client that does not read gRPC trailers (h2load) can show its calls
/// allocated.
/// </summary>
public static class OccupancyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = CommandLine.Parse(args);
        var (fleet, counter) = (o.Get("fleet", "bench"), o.Get("counter", "rooms"));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(o.Get("redis", "127.0.0.1:6379"));
        var counters = await FleetOccupancy.ReadAsync(redis, new KeyLayout(o.Get("prefix", "alloc")), fleet, counter);
        Console.WriteLine($"sessions={counters.Sum(c => c.Count)} used={counters.Count(c => c.Count > 0)}");
        return 0;
    }
}
