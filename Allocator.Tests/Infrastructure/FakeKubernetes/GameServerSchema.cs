using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The structural checks of Agones' GameServer CRD on <c>status</c> (<c>install/helm/agones/templates/crds/_gameserverstatus.yaml</c>):
/// the state enum, counters' count and capacity at least 0, and each list's capacity at most <c>maxItems</c>,
/// its values at most <c>maxItems</c> and a set (<c>x-kubernetes-list-type: set</c>). A violation is the API
/// server's 422 Invalid, naming the field as it does.
/// </summary>
internal static class GameServerSchema
{
    private static readonly string[] States =
        ["PortAllocation", "Creating", "Starting", "Scheduled", "RequestReady", "Ready", "Shutdown", "Error", "Unhealthy", "Reserved", "Allocated"];

    public static void Validate(JsonObject gameServer, string name, int maxItems)
    {
        var problems = Problems(gameServer["status"] as JsonObject, maxItems).ToList();
        if (problems.Count > 0) throw ApiStatus.Invalid(ResourceType.GameServers, name, string.Join(", ", problems));
    }

    private static IEnumerable<string> Problems(JsonObject? status, int maxItems)
    {
        if (status is null) yield break;
        if (status["state"] is { } state && (state.GetValueKind() != JsonValueKind.String || !States.Contains((string)state!)))
        {
            yield return $"status.state: Unsupported value: {state.ToJsonString()}: supported values: {string.Join(", ", States.Select(s => $"\"{s}\""))}";
        }

        foreach (var (key, counter) in Entries(status, "counters"))
        {
            foreach (var field in new[] { "count", "capacity" })
            {
                if (Minimum(counter?[field], $"status.counters.{key}.{field}", 0) is { } problem) yield return problem;
            }
        }

        foreach (var (key, list) in Entries(status, "lists"))
        {
            var path = $"status.lists.{key}";
            if (Minimum(list?["capacity"], path + ".capacity", 0) is { } low) yield return low;
            if (list?["capacity"] is { } capacity && capacity.GetValueKind() == JsonValueKind.Number && (long)capacity > maxItems)
            {
                yield return $"{path}.capacity: Invalid value: {capacity.ToJsonString()}: {path}.capacity in body should be less than or equal to {maxItems}";
            }

            if (list?["values"] is not JsonArray values) continue;
            if (values.Count > maxItems) yield return $"{path}.values: Too many: {values.Count}: must have at most {maxItems} items";
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < values.Count; i++)
            {
                var text = values[i]?.ToJsonString() ?? "null";
                if (!seen.Add(text)) yield return $"{path}.values[{i}]: Duplicate value: {text}";
            }
        }
    }

    private static string? Minimum(JsonNode? value, string path, long minimum) =>
        value is not null && value.GetValueKind() == JsonValueKind.Number && (double)value < minimum
            ? $"{path}: Invalid value: {value.ToJsonString()}: {path} in body should be greater than or equal to {minimum}"
            : null;

    private static IEnumerable<(string Key, JsonNode? Value)> Entries(JsonObject status, string name) =>
        status[name] is JsonObject map ? map.Select(p => (p.Key, p.Value)) : [];
}
