namespace Allocator.Service.Partitions;

/// <summary>What a partition key is: the game server's fleet, or its namespace.</summary>
public enum PartitionBy
{
    Fleet,
    Namespace,
}

/// <summary>
/// How the fleets (or namespaces) are split into partitions, each with its own keys, stream,
/// lease and leader (section <c>Allocator:Partitions</c>). One partition, the default, keeps
/// every key under <c>{KeyPrefix}</c> as a single-partition service always has.
/// </summary>
public sealed class PartitionOptions
{
    public const string Section = "Partitions";

    /// <summary>Number of partitions; fixed for the life of the data (changing it moves fleets).</summary>
    public int Count { get; set; } = 1;

    /// <summary>The partition key: <c>Fleet</c> (the <c>agones.dev/fleet</c> label) or <c>Namespace</c>.</summary>
    public PartitionBy By { get; set; } = PartitionBy.Fleet;

    /// <summary>Keys placed by hand (fleet or namespace name -> partition); the rest by hash.</summary>
    public Dictionary<string, int> Table { get; set; } = new(StringComparer.Ordinal);
}

public sealed class PartitionOptionsValidator(Microsoft.Extensions.Configuration.IConfiguration configuration) : SettingsValidator<PartitionOptions>
{
    public const int MaxCount = 256;

    public override IEnumerable<string> Problems(PartitionOptions o)
    {
        if (o.Count is < 1 or > MaxCount) yield return $"Allocator:Partitions:Count must be between 1 and {MaxCount}.";
        foreach (var (key, partition) in o.Table)
        {
            if (partition < 0 || partition >= o.Count) yield return $"Allocator:Partitions:Table:{key} is {partition}: a partition must be between 0 and Count - 1 ({o.Count - 1}).";
        }

        // Kubernetes mode watches one set of GameServers and writes them back from one outbox:
        // splitting that across leaders is not built.
        if (o.Count > 1 && configuration[$"{SettingsRegistration.Section}:Inventory:Source"] == "kubernetes")
            yield return "Allocator:Partitions:Count above 1 is for stand-alone mode; Kubernetes mode (Inventory:Source=kubernetes) runs one partition.";
    }
}
