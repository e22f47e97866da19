using System.Diagnostics;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Xunit.Abstractions;

namespace Allocator.Tests.Agones;

/// <summary>Runs only under <c>scripts/bench-kubernetes.sh</c> (ALLOCATOR_BENCH=1).</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ALLOCATOR_BENCH") != "1") Skip = "benchmark: run scripts/bench-kubernetes.sh";
    }
}

/// <summary>
/// Kubernetes mode beside stand-alone, in one run: 3 replicas, the same fleet and the same
/// open-loop load from the service's own load generator; Kubernetes is the in-process fake API
/// server, reached over HTTP by the real client. Prints the load generator's rows and what the
/// write-back cost.
/// </summary>
public class KubernetesBench(ITestOutputHelper output)
{
    private static string Setting(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;

    [BenchFact]
    public async Task Kubernetes_mode_beside_stand_alone_under_the_same_open_loop_load()
    {
        // The fake API server shares the test host with xunit: it must not wait for thread-pool growth.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        var servers = int.Parse(Setting("BENCH_SERVERS", "2000"));
        var rate = Setting("BENCH_RATE", "1000");
        var duration = Setting("BENCH_DURATION", "10");
        var sdkRate = int.Parse(Setting("BENCH_SDK_RATE", "200"));
        var redis = await RedisServer.GetAsync();
        var rows = new List<string>();
        var costs = new List<string>();
        var sdkRows = new List<string>();

        async Task Run(string scenario, FakeKubernetesApi? fake, bool withSdk, params string[] settings)
        {
            var prefix = RedisServer.UniquePrefix("bench");
            await using var replicas = await ReplicaGroup.StartAsync(redis, prefix, 3, "b", settings);
            // The game servers' SDK sidecars end sessions during the load.
            var sdk = withSdk ? new SdkCounterTraffic(fake!, sdkRate) : null;
            using var stopSdk = new CancellationTokenSource();
            var sdkRun = sdk?.RunAsync(stopSdk.Token) ?? Task.CompletedTask;
            var load = await LoadAsync(replicas, redis, prefix, scenario, rate, duration);
            await stopSdk.CancelAsync();
            await sdkRun;
            rows.Add(load.Split('\n').First(l => l.StartsWith("| ", StringComparison.Ordinal)));
            if (Environment.GetEnvironmentVariable("BENCH_LOGS") == "1")
            {
                foreach (var line in replicas.All.SelectMany(r => r.Log.Split('\n')).Where(l => l.Contains("batches,") || l.Contains("Write-back") || l.Contains("Kubernetes mode:"))) output.WriteLine(line);
            }
            if (fake is null) return;
            var hash = await KubernetesFleet.SettledAsync(fake, redis.Connection.GetDatabase(), prefix, TimeSpan.FromSeconds(120));
            Assert.Empty(KubernetesFleet.Differences(KubernetesFleet.Servers(fake), hash));
            var sessions = KubernetesFleet.Servers(fake).Sum(s => s.Counters["rooms"].Count);
            var patches = fake.Requests.Count(r => r.Method == "PATCH" && r.ContentType.StartsWith("application/merge-patch", StringComparison.Ordinal));
            costs.Add($"| {scenario} | {sessions} | {patches} | {(double)patches / Math.Max(1, sessions):F2} | {fake.Conflicts} | {fake.ListCalls} |");
            using var http = new HttpClient();
            var scrapes = await Task.WhenAll(replicas.All.Select(r => Telemetry.MetricsScrape.GetAsync(http, r.OpsPort)));
            double Sum(string name, params (string, string)[] labels) => scrapes.Sum(m => m.Value(name, labels));
            var lagCount = Sum("allocator_writeback_lag_seconds_count");
            if (sdk is null) return;
            sdkRows.Add($"| {scenario} | {sdk.Applied} | {sdk.FailedTests} | {Sum("allocator_writebacks_total", ("result", "conflict"))} | " +
                $"{Sum("allocator_writebacks_total", ("result", "stale_copy"))} | {Sum("allocator_writebacks_total", ("result", "no_room"))} | " +
                $"{1000 * Sum("allocator_writeback_lag_seconds_sum") / Math.Max(1, lagCount):F1} | {1000 * LagQuantile(scrapes, 0.99):F0} |");
        }

        await Run("stand-alone", null, false, $"--Allocator:Inventory:DemoFleet=servers={servers},nodes={Math.Max(1, servers / 100)},capacity=10,counter=rooms,fleet=demo");
        foreach (var (scenario, writeBehind, withSdk) in new[]
        {
            ("kubernetes, every answer confirmed", "false", false),
            ("kubernetes, write-behind", "true", false),
            ("kubernetes, write-behind, SDK ends sessions", "true", true),
        })
        {
            await using var fake = await FakeKubernetesApi.StartAsync();
            KubernetesFleet.Seed(fake, servers, capacity: 10, nodes: Math.Max(1, servers / 100));
            await Run(scenario, fake, withSdk, KubernetesFleet.Settings(fake, $"--Allocator:Kubernetes:WriteBehind={writeBehind}"));
        }

        output.WriteLine($"{servers} servers x 10 rooms, 3 replicas, open loop {rate}/s for {duration} s\n");
        output.WriteLine(Allocator.Service.Tools.LoadCommand.Header);
        foreach (var row in rows) output.WriteLine(row);
        output.WriteLine("(with SDK traffic, \"applied twice\" and \"occupancy = answers\" do not apply: ended sessions repeat counts and lower occupancy; the hash and Kubernetes are checked to agree instead)");
        output.WriteLine("\n| write-back | sessions in Kubernetes | merge patches | patches per session | 409 conflicts | lists |\n|---|---:|---:|---:|---:|---:|");
        foreach (var row in costs) output.WriteLine(row);
        output.WriteLine($"\n| SDK traffic: {sdkRate} session ends/s, JSON patch with a resourceVersion test | SDK patches applied | SDK tests failed | write-back 409 (re-read) | write-back 409 on the watch's copy | no room (decided again) | write-back lag mean ms | lag p99 ms (bucket bound) |\n|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in sdkRows) output.WriteLine(row);
    }

    /// <summary>The upper bound of the histogram bucket holding the quantile, over all replicas.</summary>
    private static double LagQuantile(IEnumerable<Telemetry.MetricsScrape> scrapes, double quantile)
    {
        var buckets = scrapes.SelectMany(m => m.Buckets("allocator_writeback_lag_seconds")).GroupBy(b => b.Le).Select(g => (Le: g.Key, Count: g.Sum(b => b.Count))).OrderBy(b => b.Le).ToList();
        var total = buckets.Count > 0 ? buckets[^1].Count : 0;
        return buckets.FirstOrDefault(b => b.Count >= quantile * total).Le;
    }

    private static async Task<string> LoadAsync(ReplicaGroup replicas, RedisServer redis, string prefix, string scenario, string rate, string duration)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Allocator.Service.dll"), "load",
            "--targets", string.Join(",", replicas.All.Select(r => $"http://127.0.0.1:{r.Port}")),
            "--rate", rate, "--duration", duration, "--fleet", "demo", "--counter", "rooms",
            "--redis", redis.ConnectionString, "--prefix", prefix, "--scenario", scenario,
        })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await stdout + await stderr;
    }
}
