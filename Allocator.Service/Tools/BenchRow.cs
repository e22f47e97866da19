namespace Allocator.Service.Tools;

/// <summary>One row of the side-by-side benchmark table printed by <c>scripts/bench.sh</c>.</summary>
public sealed record BenchRow(
    string Design, string Mode, long Sent, double OkPerSecond, double P50, double P90, double P99, double Max,
    string Errors, int ServersUsed, int Optimal, string MeanBatch, string LeaderCpu)
{
    public const string Header =
        "| design | load | sent | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | servers in use | optimal | mean batch | leader CPU |\n" +
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|";

    public override string ToString() =>
        $"| {Design} | {Mode} | {Sent} | {OkPerSecond:F0} | {P50:F2} | {P90:F2} | {P99:F2} | {Max:F1} | {Errors} | {ServersUsed} | {Optimal} | {MeanBatch} | {LeaderCpu} |";


    /// <summary>Servers with at least one session, and the fewest that could hold the same sessions.</summary>
    public static async Task<(int Used, int Optimal)> PackingAsync(StackExchange.Redis.IConnectionMultiplexer redis, Storage.KeyLayout keys, string fleet, string counter)
    {
        var counters = await FleetOccupancy.ReadAsync(redis, keys, fleet, counter);
        var sessions = counters.Sum(c => c.Count);
        var capacity = counters.Select(c => c.Capacity).DefaultIfEmpty(1).Max();
        return (counters.Count(c => c.Count > 0), (int)Math.Ceiling(sessions / (double)Math.Max(1, capacity)));
    }

    /// <summary>CPU seconds used so far by a process (utime + stime), from /proc; 0 when unknown.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // USER_HZ
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
