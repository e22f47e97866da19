using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Service.Storage;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service load</c>: drives Allocate calls (one session each) at a target rate
/// (open loop: sends are scheduled by the clock, not by answers, so latency is measured without
/// coordinated omission) or with a fixed number of callers (closed loop). Every call carries an
/// <c>x-request-id</c>; a transport failure (replica gone) is retried on another replica with the
/// same id, as a careful client would. At the end it checks Redis: occupancy must equal what the
/// answers imply. Prints one markdown row (see <see cref="Header"/>) and optionally a JSON file.
/// </summary>
public static class LoadCommand
{
    public const string Header =
        "| scenario | sent | ok | failed by code | lost | over capacity | applied twice | occupancy = answers | longest gap ms | p50 ms | p99 ms | ok/s |\n" +
        "|---|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|";

    private sealed record Call(long Started, long Ended, StatusCode Code, string? Server, long Count, bool Lost, string Id = "");

    public static async Task<int> RunAsync(string[] args)
    {
        var o = CommandLine.Parse(args);
        var targetsFile = o.Get("targets-file", "");
        var duration = TimeSpan.FromSeconds(double.Parse(o.Get("duration", "10")));
        var rate = double.Parse(o.Get("rate", "0"));
        var concurrency = int.Parse(o.Get("concurrency", "32"));
        var deadline = TimeSpan.FromMilliseconds(double.Parse(o.Get("deadline-ms", "5000")));
        var fleet = o.Get("fleet", "demo");
        var counter = o.Get("counter", "rooms");
        var scenario = o.Get("scenario", "load");
        var run = o.Get("run", Guid.NewGuid().ToString("N")[..8]);
        var redisConfig = o.Get("redis", "");
        var prefix = o.Get("prefix", "alloc");
        if (o.Get("header", "false") == "true") Console.WriteLine(Header);

        var targets = new Targets(o.Get("targets", "http://127.0.0.1:8080"), targetsFile);
        var request = SessionRequests.HighDensity(fleet, counter);
        // Warm this process (JIT, connections) on calls that take the whole path but match
        // nothing, so that neither the figures nor the occupancy count include its cold start.
        var probe = SessionRequests.HighDensity("load-warmup-matches-nothing", counter);
        var warmupUntil = DateTime.UtcNow + TimeSpan.FromSeconds(double.Parse(o.Get("warmup", "2")));
        for (var w = 0; DateTime.UtcNow < warmupUntil; w++)
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async k =>
            {
                try { await targets.Client(w * 8 + k).AllocateAsync(probe, deadline: DateTime.UtcNow.AddSeconds(5)); }
                catch (RpcException) { }
            }));
        }

        // Redis is read before the run and after it, on connections of their own: one held
        // through a Sentinel failover stalled this process for a second or more, which showed
        // up as a longer gap than the replicas had.
        async Task<ConnectionMultiplexer?> ConnectRedisAsync() => redisConfig.Length > 0 ? await ConnectionMultiplexer.ConnectAsync(redisConfig) : null;
        var keys = new KeyLayout(prefix);
        long before, commitsBefore;
        await using (var atStart = await ConnectRedisAsync())
        {
            before = atStart is null ? 0 : await OccupancyAsync(atStart, keys, fleet, counter);
            commitsBefore = atStart is null ? 0 : (long)await atStart.GetDatabase().StringGetAsync(keys.ChangeSeq);
        }

        var leaderPid = int.Parse(o.Get("leader-pid", "0"));
        var cpuBefore = BenchRow.CpuSeconds(leaderPid);
        // The Agones-style comparator's replicas count their version conflicts (retried ones too).
        var conflictsFrom = o.Get("conflicts-from", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        using var http = new HttpClient();
        var conflictsBefore = await ScrapedCounter.SumAsync(http, conflictsFrom, AgonesStyleAllocator.ConflictsMetric);

        var calls = new ConcurrentBag<Call>();
        var refusals = new Refusals();
        // The cue a harness waits for before it injects a failure (scripts/chaos.sh).
        if (o.Get("bench-design", "").Length == 0) Console.Error.WriteLine("load: measuring");
        // UTC, as the replicas log (the first DateTime.Now of a process reads the time zone,
        // which can take long enough to shift every time printed from it).
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var sent = 0;
        async Task One(int i)
        {
            var started = clock.ElapsedTicks;
            var until = DateTime.UtcNow + deadline;
            var id = $"{run}-{i}";
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var answer = await targets.Client(i + attempt).AllocateAsync(request, new Metadata { { "x-request-id", id } }, until);
                    calls.Add(new Call(started, clock.ElapsedTicks, StatusCode.OK, answer.GameServerName, answer.Counters.TryGetValue(counter, out var c) ? c.Count ?? 0 : 0, false));
                    return;
                }
                catch (RpcException e) when (refusals.Seen(e, clock.ElapsedTicks) && IsTransport(e) && DateTime.UtcNow < until - TimeSpan.FromMilliseconds(100) && attempt < 10)
                {
                    // The replica went away under us: same id, another replica.
                }
                catch (RpcException e) when (QueueUnreachable(e) && DateTime.UtcNow < until - TimeSpan.FromMilliseconds(200))
                {
                    // Redis is failing over: same id again after an exponential backoff with
                    // jitter, as a careful client does, so the call ends once the service answers
                    // again (calls sent meanwhile find it at once, so the gap is not the backoff).
                    var backoff = Math.Min(100 << Math.Min(attempt, 5), 2000);
                    await Task.Delay(TimeSpan.FromMilliseconds(backoff * (0.8 + 0.4 * Random.Shared.NextDouble())));
                }
                catch (RpcException e)
                {
                    // No final answer reached us: a client-side deadline (the server settles calls
                    // just before it, but a starved machine can be late), or an answer that says the
                    // request may have been queued (Redis failed mid-call) or may still be allocated.
                    // Ask again with the same id, as a careful client does, to learn its fate.
                    var lost = e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Unavailable
                        && !e.Status.Detail.Contains("nothing was allocated", StringComparison.Ordinal)
                        && !e.Status.Detail.StartsWith("overloaded", StringComparison.Ordinal);
                    calls.Add(new Call(started, clock.ElapsedTicks, e.StatusCode, null, 0, lost, id));
                    return;
                }
            }
        }

        var inFlight = new List<Task>();
        if (rate > 0)
        {
            // Open loop: call i is due at i / rate seconds, whatever happened to the others.
            var interval = TimeSpan.FromSeconds(1 / rate);
            for (var i = 0; clock.Elapsed < duration; i++)
            {
                var due = interval * i;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
                inFlight.Add(One(i));
                sent++;
            }
        }
        else
        {
            var next = -1;
            inFlight.AddRange(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (clock.Elapsed < duration)
                {
                    var i = Interlocked.Increment(ref next);
                    Interlocked.Increment(ref sent);
                    await One(i);
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;
        var leaderCpu = leaderPid > 0 ? $"{100 * (BenchRow.CpuSeconds(leaderPid) - cpuBefore) / elapsed.TotalSeconds:F0}% of a core" : "n/a";
        var conflicts = await ScrapedCounter.SumAsync(http, conflictsFrom, AgonesStyleAllocator.ConflictsMetric) - conflictsBefore;
        await using var redis = await ConnectRedisAsync();
        var commits = redis is null ? 0 : (long)await redis.GetDatabase().StringGetAsync(keys.ChangeSeq) - commitsBefore;

        // Calls that heard nothing before their deadline: once the load is over, ask again with
        // the same id (as a careful client would) to learn whether they were allocated.
        var unanswered = calls.Where(c => c.Lost).ToList();
        var recovered = new ConcurrentBag<Call>();
        using (var gate = new SemaphoreSlim(16))
        {
            await Task.WhenAll(unanswered.Select(async (call, n) =>
            {
                await gate.WaitAsync();
                try
                {
                    var outcome = await RecoverAsync(targets.Client(n), request, call.Id);
                    recovered.Add(outcome switch
                    {
                        null => call,
                        { Code: StatusCode.OK } ok => call with { Code = StatusCode.OK, Lost = false, Server = ok.Answer!.GameServerName, Count = ok.Answer.Counters.TryGetValue(counter, out var rc) ? rc.Count ?? 0 : 0 },
                        { } failed => call with { Code = failed.Code, Lost = false },
                    });
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        var all = calls.Where(c => !c.Lost).Concat(recovered).ToList();
        var ok = all.Where(c => c.Code == StatusCode.OK).ToList();
        var failed = all.Where(c => c.Code != StatusCode.OK && !c.Lost).GroupBy(c => c.Code).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}: {g.Count()}").DefaultIfEmpty("none");
        var twice = ok.Count - ok.Select(c => (c.Server, c.Count)).Distinct().Count();
        var overCapacity = 0;
        var occupancyMatches = "n/a";
        if (redis is not null)
        {
            var after = await OccupancyAsync(redis, keys, fleet, counter);
            overCapacity = await OverCapacityAsync(redis, keys, counter);
            var delta = after - before;
            occupancyMatches = delta == ok.Count ? "yes" : $"no ({delta} stored, {ok.Count} answered)";
            if (delta > ok.Count) twice += (int)(delta - ok.Count);
        }

        var latencies = all.Where(c => !c.Lost).Select(c => Ms(c.Ended - c.Started)).Order().ToArray();
        // Gaps between answers callers had in the run: a call whose fate was learnt only by
        // asking again afterwards did not end when it failed.
        var answeredInRun = calls.Where(c => c.Code == StatusCode.OK).Select(c => c.Ended).Order().ToList();
        var gap = LongestGapMs(answeredInRun, elapsed, out var gapEnded);
        // When it ended (UTC, as the replicas log), to find it in their logs.
        if (gapEnded > 0 && o.Get("bench-design", "").Length == 0) Console.Error.WriteLine($"{scenario}: longest gap {gap:F0} ms, ended at {startedAt.AddMilliseconds(Ms(gapEnded)):HH:mm:ss.fff}");
        if (o.Get("bench-design", "").Length == 0) refusals.Print(Console.Error, startedAt);
        if (o.Get("events", "") is { Length: > 0 } events) await refusals.WriteEventsAsync(events, startedAt, answeredInRun);
        var lost = all.Count(c => c.Lost) + (sent - all.Count);
        var design = o.Get("bench-design", "");
        if (design.Length > 0 && redis is not null)
        {
            var (used, optimal) = await BenchRow.PackingAsync(redis, keys, fleet, counter);
            var mode = rate > 0 ? $"open, {rate:F0}/s" : $"closed, {concurrency} callers";
            var errors = string.Join(", ", failed) + (lost > 0 ? $", lost: {lost}" : "") + (conflictsFrom.Length > 0 ? $"; {conflicts:F0} conflicts" : "");
            Console.WriteLine(new BenchRow(design, mode, sent, ok.Count / elapsed.TotalSeconds,
                Percentiles.At(latencies, 0.5), Percentiles.At(latencies, 0.9), Percentiles.At(latencies, 0.99), latencies.LastOrDefault(), errors, used, optimal,
                commits > 0 ? $"{ok.Count / (double)commits:F1}" : "n/a", leaderCpu));
        }
        else Console.WriteLine($"| {scenario} | {sent} | {ok.Count} | {string.Join(", ", failed)} | {lost} | {overCapacity} | {twice} | {occupancyMatches} | {gap:F0} | {Percentiles.At(latencies, 0.5):F1} | {Percentiles.At(latencies, 0.99):F1} | {ok.Count / elapsed.TotalSeconds:F0} |");

        var json = o.Get("json", "");
        if (json.Length > 0)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
            {
                scenario, sent, ok = ok.Count, lost, overCapacity, twice, occupancyMatches, longestGapMs = gap,
                p50 = Percentiles.At(latencies, 0.5), p90 = Percentiles.At(latencies, 0.9), p99 = Percentiles.At(latencies, 0.99), max = latencies.LastOrDefault(),
                okPerSecond = ok.Count / elapsed.TotalSeconds,
                conflicts = conflictsFrom.Length > 0 ? conflicts : (double?)null,
                failed = all.Where(c => c.Code != StatusCode.OK && !c.Lost).GroupBy(c => c.Code.ToString()).ToDictionary(g => g.Key, g => g.Count()),
            }));
        }

        targets.Dispose();
        var maxGap = double.Parse(o.Get("max-gap-ms", "1e12"));
        var maxFailed = int.Parse(o.Get("max-failed", int.MaxValue.ToString()));
        var failures = all.Count(c => c.Code != StatusCode.OK && !c.Lost);
        var passed = lost == 0 && overCapacity == 0 && twice == 0 && occupancyMatches is "yes" or "n/a" && gap <= maxGap && failures <= maxFailed;
        if (!passed) Console.Error.WriteLine($"{scenario}: requirements not met (lost 0, over capacity 0, applied twice 0, occupancy = answers, gap <= {maxGap} ms, failed <= {maxFailed})");
        return passed ? 0 : 1;
    }

    /// <summary>The final answer to a request id, by asking again; null when none comes.</summary>
    private static async Task<(StatusCode Code, AllocationResponse? Answer)?> RecoverAsync(AllocationService.AllocationServiceClient client, AllocationRequest request, string id)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                return (StatusCode.OK, await client.AllocateAsync(request, new Metadata { { "x-request-id", id } }, DateTime.UtcNow.AddSeconds(10)));
            }
            catch (RpcException e) when (e.Status.Detail.StartsWith("overloaded", StringComparison.Ordinal) || QueueUnreachable(e))
            {
                // Busy, or Redis not taking writes yet (a failover still settling): its fate is
                // still unknown, so back off and ask again.
                await Task.Delay(Math.Min(200 * (attempt + 1), 2000));
            }
            catch (RpcException e) when (!IsTransport(e) && e.StatusCode != StatusCode.DeadlineExceeded)
            {
                return (e.StatusCode, null);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && e.Status.Detail.Contains("nothing was allocated", StringComparison.Ordinal))
            {
                return (e.StatusCode, null);
            }
            catch (RpcException)
            {
                // No answer again: one more try.
            }
        }

        return null;
    }

    /// <summary>Redis did not take the request (a failover or an outage): it may be asked again with its id.</summary>
    private static bool QueueUnreachable(RpcException e) =>
        e.StatusCode == StatusCode.Unavailable && e.Status.Detail.StartsWith("request queue unreachable", StringComparison.Ordinal);

    /// <summary>Failures of the connection, not answers of the allocator (whose messages say what happened).</summary>
    private static bool IsTransport(RpcException e) =>
        e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled
        && !e.Status.Detail.Contains("nothing was allocated", StringComparison.Ordinal)
        && !e.Status.Detail.StartsWith("overloaded", StringComparison.Ordinal)
        && !e.Status.Detail.StartsWith("request queue unreachable", StringComparison.Ordinal);

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;


    /// <summary>The longest time between two successive successful answers.</summary>
    private static double LongestGapMs(List<long> successes, TimeSpan elapsed, out long ended)
    {
        ended = 0;
        if (successes.Count == 0) return elapsed.TotalMilliseconds;
        var longest = 0.0;
        for (var i = 1; i < successes.Count; i++)
        {
            var gap = Ms(successes[i] - successes[i - 1]);
            if (gap > longest) (longest, ended) = (gap, successes[i]);
        }

        return longest;
    }

    private static async Task<long> OccupancyAsync(ConnectionMultiplexer redis, KeyLayout keys, string fleet, string counter) =>
        (await FleetOccupancy.ReadAsync(redis, keys, fleet, counter)).Sum(c => c.Count);

    private static async Task<int> OverCapacityAsync(ConnectionMultiplexer redis, KeyLayout keys, string counter) =>
        (await redis.GetDatabase().HashGetAllAsync(keys.GameServers))
            .Select(e => GameServerJson.Deserialize(e.Value!))
            .Count(s => s.Counters.Values.Any(c => c.Count > c.Capacity));

    /// <summary>The replicas to call: fixed, or re-read from a file that a rollout rewrites.</summary>
    private sealed class Targets(string fixedTargets, string file) : IDisposable
    {
        private readonly ConcurrentDictionary<string, (GrpcChannel Channel, AllocationService.AllocationServiceClient Client)> _clients = new();
        private (DateTime Read, string[] List) _current = (DateTime.MinValue, []);

        public AllocationService.AllocationServiceClient Client(int i)
        {
            var list = List();
            var target = list[i % list.Length];
            return _clients.GetOrAdd(target, t =>
            {
                var channel = GrpcChannel.ForAddress(t);
                return (channel, new AllocationService.AllocationServiceClient(channel));
            }).Client;
        }

        private string[] List()
        {
            if (file.Length == 0) return _current.List.Length > 0 ? _current.List : (_current = (DateTime.UtcNow, Split(fixedTargets))).List;
            if (DateTime.UtcNow - _current.Read < TimeSpan.FromMilliseconds(100) && _current.List.Length > 0) return _current.List;
            try
            {
                var list = Split(File.ReadAllText(file));
                if (list.Length > 0) _current = (DateTime.UtcNow, list);
            }
            catch (IOException)
            {
                // Being rewritten: keep the last list.
            }

            return _current.List;
        }

        private static string[] Split(string text) => text.Split([',', '\n', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public void Dispose()
        {
            foreach (var (channel, _) in _clients.Values) channel.Dispose();
        }
    }
}
