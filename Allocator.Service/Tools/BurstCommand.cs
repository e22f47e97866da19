using System.Collections.Concurrent;
using System.Diagnostics;
using Allocation.V1;
using Allocator.Service.Api;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service burst</c>: fires a burst of Allocate calls (one session each on the
/// fleet's counter) spread over the given replicas, then prints what happened.
/// </summary>
public static class BurstCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = CommandLine.Parse(args);
        var targets = options.Get("targets", "http://127.0.0.1:8080").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var calls = int.Parse(options.Get("calls", "1000"));
        var concurrency = int.Parse(options.Get("concurrency", "100"));
        var fleet = options.Get("fleet", "demo");
        var counter = options.Get("counter", "rooms");

        var channels = targets.Select(t => GrpcChannel.ForAddress(t)).ToArray();
        var clients = channels.Select(c => new AllocationService.AllocationServiceClient(c)).ToArray();
        var request = SessionRequests.HighDensity(fleet, counter);

        // Warm connections and JIT with calls that take the whole path (queue, leader, reply)
        // but match nothing, so they neither consume sessions nor count in the table.
        var warmup = int.Parse(options.Get("warmup", "200"));
        var probe = SessionRequests.HighDensity("burst-warmup-matches-nothing", counter);
        await Task.WhenAll(Enumerable.Range(0, warmup).Select(async i =>
        {
            try { await clients[i % clients.Length].AllocateAsync(probe, deadline: DateTime.UtcNow.AddSeconds(10)); }
            catch (RpcException) { }
        }));

        var latencies = new ConcurrentBag<double>();
        var errors = new ConcurrentDictionary<StatusCode, int>();
        var servers = new ConcurrentDictionary<string, long>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var response = await clients[i % clients.Length].AllocateAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
                    var capacity = response.Counters.TryGetValue(counter, out var c) ? c.Capacity ?? 1 : 1;
                    servers[response.GameServerName] = capacity;
                }
                catch (RpcException e)
                {
                    errors.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var elapsed = clock.Elapsed;

        var ok = calls - errors.Values.Sum();
        var capacityEach = servers.Values.DefaultIfEmpty(1).Max();
        var minimum = (long)Math.Ceiling(ok / (double)Math.Max(1, capacityEach));
        var sorted = latencies.OrderBy(x => x).ToArray();
        var (leader, epoch) = await LeaderAsync(options.Get("redis", ""), options.Get("prefix", "alloc"));

        Console.WriteLine();
        Console.WriteLine("| calls | ok | errors | servers used | minimum possible | p50 ms | p99 ms | calls/s | leader | epoch |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|---:|---:|---|---:|");
        Console.WriteLine($"| {calls} | {ok} | {Errors(errors)} | {servers.Count} | {minimum} | {Percentiles.At(sorted, 0.50):F2} | {Percentiles.At(sorted, 0.99):F2} | {calls / elapsed.TotalSeconds:F0} | {leader} | {epoch} |");
        foreach (var channel in channels) channel.Dispose();
        return errors.IsEmpty && servers.Count == minimum ? 0 : 1;
    }

    private static string Errors(IDictionary<StatusCode, int> errors) =>
        errors.Count == 0 ? "none" : string.Join(", ", errors.Select(kv => $"{kv.Key}: {kv.Value}"));


    private static async Task<(string Leader, string Epoch)> LeaderAsync(string redis, string prefix)
    {
        if (redis.Length == 0) return ("?", "?");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var info = await connection.GetDatabase().HashGetAsync(new Storage.KeyLayout(prefix).LeaderInfo, ["replica", "epoch"]);
        return (info[0].HasValue ? (string)info[0]! : "none", info[1].HasValue ? (string)info[1]! : "-");
    }
}
