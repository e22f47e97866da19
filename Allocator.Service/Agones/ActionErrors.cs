using System.Text.Json;
using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// The counter and list actions of an allocation request (proto-JSON, as queued) that the chosen
/// server cannot carry out because it has no such counter or list. The engine skips them, as
/// Agones does; Agones also records each as a Warning Event on the GameServer, and so do we.
/// </summary>
public static class ActionErrors
{
    public static List<ActionError> Find(string requestJson, GameServer server)
    {
        // Parsed again only when the request has actions at all.
        if (!requestJson.Contains("\"counters\"", StringComparison.Ordinal) && !requestJson.Contains("\"lists\"", StringComparison.Ordinal)) return [];
        var errors = new List<ActionError>();
        using var request = JsonDocument.Parse(requestJson);
        foreach (var name in Names(request.RootElement, "counters").Where(n => !server.Counters.ContainsKey(n)))
        {
            errors.Add(new ActionError("CounterActionError", $"counter action on {name} skipped: counter not found in GameServer {server.Name}"));
        }

        foreach (var name in Names(request.RootElement, "lists").Where(n => !server.Lists.ContainsKey(n)))
        {
            errors.Add(new ActionError("ListActionError", $"list action on {name} skipped: list not found in GameServer {server.Name}"));
        }

        return errors;
    }

    private static IEnumerable<string> Names(JsonElement request, string field) =>
        request.ValueKind == JsonValueKind.Object && request.TryGetProperty(field, out var map) && map.ValueKind == JsonValueKind.Object
            ? map.EnumerateObject().Select(p => p.Name).ToList()
            : [];
}
