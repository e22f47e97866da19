namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The validator names fields by their gRPC JSON path (<c>gameServerSelectors[0].counters[rooms].minAvailable</c>);
/// a GameServerAllocation names the same field by its own (<c>spec.selectors[0].counters[rooms].minAvailable</c>).
/// Only the first segment differs.
/// </summary>
public static class FieldPaths
{
    private static readonly Dictionary<string, string> Roots = new(StringComparer.Ordinal)
    {
        ["namespace"] = "metadata.namespace",
        ["scheduling"] = "spec.scheduling",
        ["gameServerSelectors"] = "spec.selectors",
        ["preferredGameServerSelectors"] = "spec.preferred",
        ["requiredGameServerSelector"] = "spec.required",
        ["priorities"] = "spec.priorities",
        ["counters"] = "spec.counters",
        ["lists"] = "spec.lists",
        ["metadata"] = "spec.metadata",
        ["metaPatch"] = "spec.metadata",
        ["multiClusterSetting"] = "spec.multiClusterSetting",
    };

    /// <summary>A validator message (<c>"field: problem"</c>) as a cause naming the GameServerAllocation's field.</summary>
    public static StatusCause Cause(string problem)
    {
        var colon = problem.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return StatusCause.Invalid("spec", problem);
        var (field, message) = (problem[..colon], problem[(colon + 2)..]);
        var end = field.IndexOfAny(['.', '[']);
        var root = end < 0 ? field : field[..end];
        return StatusCause.Invalid(Roots.TryGetValue(root, out var mapped) ? mapped + field[root.Length..] : "spec." + field, message);
    }
}
