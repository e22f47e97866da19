using System.Text.Json.Nodes;

namespace Allocator.Service.KubernetesApi;

// allocation.agones.dev/v1 GameServerAllocation as Agones' API extension reads and writes it
// (JSON names of Agones' Go types). Strings stay strings here: which values are allowed is
// the conversion's business, so a wrong one is a 422 naming the field, not a parse failure.

public sealed class GameServerAllocation
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-2)] public string? Kind { get; set; }
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)] public string? ApiVersion { get; set; }
    public ObjectMeta Metadata { get; set; } = new();
    public GameServerAllocationSpec Spec { get; set; } = new();
    public GameServerAllocationStatus? Status { get; set; }
}

public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? CreationTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class GameServerAllocationSpec
{
    public MultiClusterSetting? MultiClusterSetting { get; set; }
    public GameServerSelector? Required { get; set; }
    public List<GameServerSelector?>? Preferred { get; set; }
    public List<Priority?>? Priorities { get; set; }
    public List<GameServerSelector?>? Selectors { get; set; }
    public string? Scheduling { get; set; }
    public MetaPatch? Metadata { get; set; }
    public Dictionary<string, CounterAction?>? Counters { get; set; }
    public Dictionary<string, ListAction?>? Lists { get; set; }
}

public class LabelSelector
{
    public Dictionary<string, string?>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement?>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement
{
    public string? Key { get; set; }
    public string? Operator { get; set; }
    public List<string?>? Values { get; set; }
}

public sealed class GameServerSelector : LabelSelector
{
    public string? GameServerState { get; set; }
    /// <summary>Agones' alpha player filter: read so the body parses, not applied (the gRPC API has no such field either).</summary>
    public JsonObject? Players { get; set; }
    public Dictionary<string, CounterSelector?>? Counters { get; set; }
    public Dictionary<string, ListSelector?>? Lists { get; set; }
}

public sealed class CounterSelector
{
    public long MinCount { get; set; }
    public long MaxCount { get; set; }
    public long MinAvailable { get; set; }
    public long MaxAvailable { get; set; }
}

public sealed class ListSelector
{
    public string? ContainsValue { get; set; }
    public long MinAvailable { get; set; }
    public long MaxAvailable { get; set; }
}

public sealed class Priority
{
    public string? Type { get; set; }
    public string? Key { get; set; }
    public string? Order { get; set; }
}

public sealed class CounterAction
{
    public string? Action { get; set; }
    public long? Amount { get; set; }
    public long? Capacity { get; set; }
}

public sealed class ListAction
{
    public List<string?>? AddValues { get; set; }
    public List<string?>? DeleteValues { get; set; }
    public long? Capacity { get; set; }
}

public sealed class MetaPatch
{
    public Dictionary<string, string?>? Labels { get; set; }
    public Dictionary<string, string?>? Annotations { get; set; }
}

/// <summary>The allocated game server's labels and annotations, in the status.</summary>
public sealed class GameServerMetadata
{
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class MultiClusterSetting
{
    public bool Enabled { get; set; }
    public LabelSelector? PolicySelector { get; set; }
}

/// <summary>The status Agones writes: <c>state</c>, <c>gameServerName</c> and <c>source</c> always, the rest when set (nulls are not written).</summary>
public sealed class GameServerAllocationStatus
{
    public string State { get; set; } = "";
    public string GameServerName { get; set; } = "";
    public List<GameServerPort>? Ports { get; set; }
    public string? Address { get; set; }
    public List<NodeAddress>? Addresses { get; set; }
    public string? NodeName { get; set; }
    public string Source { get; set; } = "";
    public GameServerMetadata? Metadata { get; set; }
    public Dictionary<string, CounterStatus>? Counters { get; set; }
    public Dictionary<string, ListStatus>? Lists { get; set; }
}

public sealed record GameServerPort(string? Name, int Port);

public sealed record NodeAddress(string Type, string Address);

public sealed record CounterStatus(long Count, long Capacity);

public sealed record ListStatus(long Capacity, List<string> Values);
