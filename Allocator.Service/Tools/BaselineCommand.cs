using System.Collections.Concurrent;
using System.Diagnostics;
using Allocator.Service.Api;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service bench-baseline</c>: drives the Agones-style comparator
/// (<see cref="AgonesStyleBaseline"/>) with the same fleet and the same closed-loop load as the
/// product run, and prints the same benchmark row.
/// </summary>
public static class BaselineCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = CommandLine.Parse(args);
        var workers = int.Parse(o.Get("workers", "3"));
        var concurrency = int.Parse(o.Get("concurrency", "64"));
        var duration = TimeSpan.FromSeconds(double.Parse(o.Get("duration", "10")));
        var fleet = o.Get("fleet", "bench");
        var counter = o.Get("counter", "rooms");
        var keys = new KeyLayout(o.Get("prefix", "baseline"));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(o.Get("redis", "127.0.0.1:6379"));
        var db = redis.GetDatabase();

        // Same fleet as the product run, written straight into this run's hash.
        await db.KeyDeleteAsync(keys.GameServers);
        var seed = DemoFleetSpec.Parse(o.Get("seed", $"servers=1000,nodes=10,capacity=10,counter={counter},fleet={fleet}"));
        await db.HashSetAsync(keys.GameServers, seed.Generate().Select(s => new HashEntry(s.Key, GameServerJson.Serialize(s))).ToArray());

        await using var baseline = await AgonesStyleBaseline.StartAsync(redis, keys, workers);
        var spec = SpecDecoder.ToSpec(SessionRequests.HighDensity(fleet, counter));
        var latencies = new ConcurrentBag<double>();
        var failures = new ConcurrentDictionary<string, int>();
        long sent = 0, ok = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async caller =>
        {
            while (clock.Elapsed < duration)
            {
                Interlocked.Increment(ref sent);
                var started = Stopwatch.GetTimestamp();
                var (server, conflicted) = await baseline.AllocateAsync(caller, spec);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (server is not null) Interlocked.Increment(ref ok);
                else failures.AddOrUpdate(conflicted ? "Aborted (conflicts)" : "ResourceExhausted", 1, (_, n) => n + 1);
            }
        }));
        var elapsed = clock.Elapsed;

        var sorted = latencies.Order().ToArray();
        var (used, optimal) = await BenchRow.PackingAsync(redis, keys, fleet, counter);
        var errors = failures.IsEmpty ? "none" : string.Join(", ", failures.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));
        Console.WriteLine(new BenchRow($"Agones-style: {workers} workers, own caches, OCC", $"closed, {concurrency} callers", sent, ok / elapsed.TotalSeconds,
            Percentiles.At(sorted, 0.5), Percentiles.At(sorted, 0.9), Percentiles.At(sorted, 0.99), sorted.LastOrDefault(),
            $"{errors}; {baseline.Conflicts} conflicts", used, optimal, "1", "n/a"));
        return 0;
    }
}
