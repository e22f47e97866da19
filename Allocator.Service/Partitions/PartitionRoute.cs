using Allocation.V1;
using Allocator.Service.Api;

namespace Allocator.Service.Partitions;

/// <summary>
/// The partition that decides an Allocate request. By fleet, every selector must name its fleet
/// (<c>matchLabels["agones.dev/fleet"]</c>) and all those fleets must live in one partition: a
/// partition sees only its own game servers, so a request that spans partitions could not keep
/// Agones' selector order (the first selector that matches anywhere wins). It is refused, naming
/// the selectors and their partitions, rather than tried partition by partition. By namespace,
/// the request's namespace decides.
/// </summary>
public static class PartitionRoute
{
    public const string FleetLabel = "agones.dev/fleet";

    /// <summary>The partition, or a problem naming the field (for INVALID_ARGUMENT).</summary>
    public static (int Partition, string? Problem) Of(AllocationRequest request, PartitionMap map, PartitionBy by)
    {
        if (map.Count == 1) return (0, null);
        if (by == PartitionBy.Namespace) return (map.Of(string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace), null);

        var selectors = SpecDecoder.Selectors(request);
        int? partition = null;
        string? first = null;
        for (var i = 0; i < selectors.Count; i++)
        {
            var field = FieldOf(request, i, selectors.Count);
            if (!selectors[i].MatchLabels.TryGetValue(FleetLabel, out var fleet) || fleet.Length == 0)
            {
                return (0, $"{field}.matchLabels: must name the fleet ({FleetLabel}): with {map.Count} partitions by fleet, the fleet says which partition decides");
            }

            var p = map.Of(fleet);
            if (partition is null)
            {
                (partition, first) = (p, $"{field} (fleet {fleet}) is in partition {p}");
            }
            else if (p != partition)
            {
                return (0, $"{field}.matchLabels: fleet {fleet} is in partition {p}, but {first}; one request is decided in one partition: send a request per partition");
            }
        }

        return (partition ?? 0, null);
    }

    private static string FieldOf(AllocationRequest request, int index, int count)
    {
        if (request.GameServerSelectors.Count > 0) return $"gameServerSelectors[{index}]";
        return index == count - 1 ? "requiredGameServerSelector" : $"preferredGameServerSelectors[{index}]";
    }
}
