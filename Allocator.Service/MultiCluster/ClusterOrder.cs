namespace Allocator.Service.MultiCluster;

/// <summary>
/// The order in which a multi-cluster allocation tries clusters, as Agones'
/// <c>ConnectionInfoIterator</c> decides it: priorities from the lowest number up; within one
/// priority a weighted random draw among the clusters not tried yet, each cluster's weight the
/// average (rounded down) of its policies' weights there, until only clusters of weight 0
/// remain (they are never tried); a cluster is tried once, at its best priority. Several
/// policies for one cluster at one priority share the connection of the first by name. Pure:
/// the randomness is given, so the same seed gives the same order.
/// </summary>
public static class ClusterOrder
{
    public static IReadOnlyList<AllocationPolicy> Of(IEnumerable<AllocationPolicy> policies, Random random)
    {
        var order = new List<AllocationPolicy>();
        var tried = new HashSet<string>(StringComparer.Ordinal);
        foreach (var level in policies.GroupBy(p => p.Priority).OrderBy(g => g.Key))
        {
            var clusters = level
                .GroupBy(p => p.Connection.ClusterName, StringComparer.Ordinal)
                .Select(g => (Name: g.Key, First: g.OrderBy(p => p.Name, StringComparer.Ordinal).First(), Weight: (int)(g.Sum(p => (long)p.Weight) / g.Count())))
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ToList();
            while (true)
            {
                var open = clusters.Where(c => c.Weight > 0 && !tried.Contains(c.Name)).ToList();
                if (open.Count == 0) break;
                var draw = random.NextInt64(open.Sum(c => (long)c.Weight));
                var chosen = open.First(c => (draw -= c.Weight) < 0);
                order.Add(chosen.First);
                tried.Add(chosen.Name);
            }
        }

        return order;
    }
}
