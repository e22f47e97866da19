using System.Text.Json;
using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// Reads an Agones <c>agones.dev/v1</c> GameServer (as the API server sends it) into the
/// allocator's view. Live counters and lists are in <c>status</c>; a server being deleted is
/// never a candidate, whatever its state says.
/// </summary>
public static class AgonesGameServer
{
    public const string Group = "agones.dev";
    public const string Version = "v1";
    public const string Plural = "gameservers";

    /// <summary>The model, and the object's resourceVersion.</summary>
    public static (GameServer Server, string ResourceVersion) Read(JsonElement gameServer)
    {
        var metadata = gameServer.GetProperty("metadata");
        var status = gameServer.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object ? s : default;
        var server = new GameServer
        {
            Namespace = Text(metadata, "namespace") is { Length: > 0 } ns ? ns : "default",
            Name = Text(metadata, "name"),
            State = metadata.TryGetProperty("deletionTimestamp", out var deleting) && deleting.ValueKind == JsonValueKind.String
                ? GameServerStates.Shutdown
                : Text(status, "state") is { Length: > 0 } state ? state : GameServerStates.Shutdown,
            Labels = Map(metadata, "labels"),
            Annotations = Map(metadata, "annotations"),
            Address = Text(status, "address"),
            NodeName = Text(status, "nodeName"),
        };

        foreach (var address in Items(status, "addresses"))
        {
            server.Addresses.Add(new GameServerAddress(Text(address, "type"), Text(address, "address")));
        }

        foreach (var port in Items(status, "ports"))
        {
            server.Ports.Add(new GameServerPort(Text(port, "name"), port.TryGetProperty("port", out var p) && p.TryGetInt32(out var n) ? n : 0));
        }

        foreach (var (name, counter) in Entries(status, "counters"))
        {
            server.Counters[name] = new CounterState { Count = Number(counter, "count"), Capacity = Number(counter, "capacity") };
        }

        foreach (var (name, list) in Entries(status, "lists"))
        {
            server.Lists[name] = new ListState { Capacity = Number(list, "capacity"), Values = [.. Items(list, "values").Select(v => v.GetString() ?? "")] };
        }

        server.ResourceVersion = Text(metadata, "resourceVersion");
        return (server, server.ResourceVersion);
    }

    private static string Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static long Number(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : 0;

    private static Dictionary<string, string> Map(JsonElement parent, string name) =>
        Entries(parent, name).Where(e => e.Value.ValueKind == JsonValueKind.String).ToDictionary(e => e.Name, e => e.Value.GetString()!, StringComparer.Ordinal);

    private static IEnumerable<(string Name, JsonElement Value)> Entries(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value.EnumerateObject().Select(p => (p.Name, p.Value))
            : [];

    private static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];
}
