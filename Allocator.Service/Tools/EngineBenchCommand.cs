using System.Diagnostics;
using Allocator.Service.Allocation;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service bench-engine</c>: the cost of one allocation decision by the pure engine,
/// against fleets of 1k..100k multi-session game servers spread over 50 fleets, in a steady
/// state where sessions arrive and end. Prints a markdown table of per-decision timings.
/// </summary>
public static class EngineBenchCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        var options = CommandLine.Parse(args);
        var sizes = options.Get("sizes", "1000,10000,100000").Split(',').Select(int.Parse).ToArray();
        var fleets = int.Parse(options.Get("fleets", "50"));
        var ops = int.Parse(options.Get("ops", "20000"));

        // Let tiered JIT reach optimized code before anything is timed: a discarded pass of every
        // configuration, repeated for at least two seconds.
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < TimeSpan.FromSeconds(2))
        {
            foreach (var scheduling in new[] { Scheduling.Packed, Scheduling.Distributed })
            {
                Measure(1_000, fleets, 5_000, scheduling, withPriorities: false);
                Measure(1_000, fleets, 5_000, scheduling, withPriorities: true);
            }
        }

        Console.WriteLine($"Engine decision cost: {fleets} fleets, 10 sessions per server, 100 servers per node, {ops} timed decisions per row (after 2,000 warm-up), .NET {Environment.Version}, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| servers | scheduling | priorities | median µs | p90 µs | p99 µs | mean µs |");
        Console.WriteLine("|---:|---|---|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            foreach (var scheduling in new[] { Scheduling.Packed, Scheduling.Distributed })
            {
                foreach (var withPriorities in new[] { false, true })
                {
                    var timings = Measure(size, fleets, ops, scheduling, withPriorities);
                    Array.Sort(timings);
                    Console.WriteLine($"| {size:N0} | {scheduling} | {(withPriorities ? "rooms ascending" : "none")} | {Percentiles.At(timings, 0.5):F2} | {Percentiles.At(timings, 0.9):F2} | {Percentiles.At(timings, 0.99):F2} | {timings.Average():F2} |");
                }
            }
        }

        return Task.FromResult(0);
    }


    private static double[] Measure(int size, int fleets, int ops, Scheduling scheduling, bool withPriorities)
    {
        var random = new Random(size);
        var fleet = new Fleet();
        foreach (var server in Servers(size, fleets, random)) fleet.Load(server);
        var engine = new AllocationEngine(fleet, new Random(1));
        var requests = Enumerable.Range(0, fleets).Select(f => Request($"fleet-{f:D2}", scheduling, withPriorities)).ToArray();
        var allocated = fleet.Servers.Where(s => s.State == GameServerStates.Allocated).ToList();
        var now = DateTimeOffset.UnixEpoch;

        var timings = new double[ops];
        for (var i = -2_000; i < ops; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var decision = engine.Allocate(requests[random.Next(fleets)], now);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (i >= 0) timings[i] = elapsed.TotalMicroseconds;

            // Steady state: a session ends somewhere for every one that starts (not timed).
            if (decision.Server is { } chosen && chosen.Counters["rooms"].Count == 1) allocated.Add(chosen);
            var ending = allocated[random.Next(allocated.Count)];
            if (ending.Counters["rooms"].Count > 0) fleet.Edit(ending, s => s.Counters["rooms"].Count--);
            if (i % 256 == 0)
            {
                fleet.TakeChanges();
                fleet.Accept();
            }
        }

        return timings;
    }

    /// <summary>Half the servers Allocated with 1..10 sessions (many full), half Ready.</summary>
    private static IEnumerable<GameServer> Servers(int size, int fleets, Random random)
    {
        for (var i = 0; i < size; i++)
        {
            var allocated = random.Next(2) == 0;
            yield return new GameServer
            {
                Name = $"gs-{i:D6}",
                State = allocated ? GameServerStates.Allocated : GameServerStates.Ready,
                Labels = new(StringComparer.Ordinal) { ["agones.dev/fleet"] = $"fleet-{i % fleets:D2}" },
                Counters = new(StringComparer.Ordinal) { ["rooms"] = new CounterState { Capacity = 10, Count = allocated ? random.Next(1, 11) : 0 } },
                NodeName = $"node-{i / 100:D4}",
            };
        }
    }

    private static AllocationSpec Request(string fleet, Scheduling scheduling, bool withPriorities)
    {
        Selector Selector(string state) => new()
        {
            State = state,
            MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = fleet },
            Counters = new Dictionary<string, CounterFilter> { ["rooms"] = new(MinAvailable: 1) },
        };
        return new AllocationSpec
        {
            Selectors = [Selector(GameServerStates.Allocated), Selector(GameServerStates.Ready)],
            Scheduling = scheduling,
            Priorities = withPriorities ? [new Priority(PriorityType.Counter, "rooms", PriorityOrder.Ascending)] : [],
            CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = new(CounterOperation.Increment, 1) },
        };
    }
}
