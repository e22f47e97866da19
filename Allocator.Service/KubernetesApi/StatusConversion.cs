using Allocation.V1;

namespace Allocator.Service.KubernetesApi;

/// <summary>The status Agones' allocator writes into a GameServerAllocation, from the gRPC answer.</summary>
public static class StatusConversion
{
    public const string Allocated = "Allocated";
    public const string UnAllocated = "UnAllocated";

    public static GameServerAllocationStatus FromResponse(AllocationResponse response) => new()
    {
        State = Allocated,
        GameServerName = response.GameServerName,
        Ports = response.Ports.Count == 0 ? null : [.. response.Ports.Select(p => new GameServerPort(p.Name.Length == 0 ? null : p.Name, p.Port))],
        Address = NullIfEmpty(response.Address),
        Addresses = response.Addresses.Count == 0 ? null : [.. response.Addresses.Select(a => new NodeAddress(a.Type, a.Address))],
        NodeName = NullIfEmpty(response.NodeName),
        Source = response.Source,
        Metadata = response.Metadata is { } m
            ? new GameServerMetadata { Labels = m.Labels.Count == 0 ? null : m.Labels.ToDictionary(), Annotations = m.Annotations.Count == 0 ? null : m.Annotations.ToDictionary() }
            : null,
        Counters = response.Counters.Count == 0 ? null : response.Counters.ToDictionary(c => c.Key, c => new CounterStatus(c.Value.Count ?? 0, c.Value.Capacity ?? 0)),
        Lists = response.Lists.Count == 0 ? null : response.Lists.ToDictionary(l => l.Key, l => new ListStatus(l.Value.Capacity ?? 0, [.. l.Value.Values])),
    };

    /// <summary>Nothing matched any selector: Agones answers 201 with this state, not an error.</summary>
    public static GameServerAllocationStatus NothingMatched() => new() { State = UnAllocated };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
