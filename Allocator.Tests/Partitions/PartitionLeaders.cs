using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Partitions;

internal static class PartitionLeaders
{
    /// <summary>
    /// Waits until every partition has a live lease held by one of <paramref name="replicas"/>
    /// (any replica when null) and none leads more than <paramref name="most"/>; returns who leads
    /// what. The lease, not the last term's record, counts: a killed leader's record outlives it.
    /// </summary>
    public static async Task<Dictionary<int, string>> WaitAsync(IDatabase db, string prefix, int partitions, int most, IReadOnlyCollection<string>? replicas = null, Func<string>? context = null)
    {
        var leaders = new Dictionary<int, string>();
        await Until.TrueAsync(async () =>
        {
            leaders.Clear();
            for (var p = 0; p < partitions; p++)
            {
                var keys = new KeyLayout($"{prefix}:{p}");
                if (await db.KeyExistsAsync(keys.Leader) && (string?)await db.HashGetAsync(keys.LeaderInfo, "replica") is { } leader) leaders[p] = leader;
            }

            return leaders.Count == partitions && (replicas is null || leaders.Values.All(replicas.Contains)) && leaders.Values.GroupBy(l => l).All(g => g.Count() <= most);
        }, $"every partition led{(replicas is null ? "" : " by one of " + string.Join(", ", replicas))}, none leading more than {most}",
            () => string.Join(", ", leaders.Select(kv => $"{kv.Key}: {kv.Value}")) + (context is null ? "" : "\n" + context()), seconds: 90);
        return leaders;
    }
}
