namespace Allocator.Service.Partitions;

/// <summary>
/// Which partition owns a partition key (a fleet or a namespace name): the configured table,
/// else a stable hash of the name (FNV-1a, the same in every replica and every version).
/// </summary>
public sealed class PartitionMap(int count, IReadOnlyDictionary<string, int> table)
{
    public static readonly PartitionMap Single = new(1, new Dictionary<string, int>());

    public int Count { get; } = count;

    public int Of(string key)
    {
        if (Count == 1) return 0;
        if (table.TryGetValue(key, out var placed)) return placed;
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)Count);
    }

    /// <summary>
    /// The hash tag of a partition's keys: the configured prefix itself with one partition (as a
    /// single-partition service has always stored them), <c>prefix:p</c> with several.
    /// </summary>
    public string Prefix(string keyPrefix, int partition) => Count == 1 ? keyPrefix : $"{keyPrefix}:{partition}";
}
