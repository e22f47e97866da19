using System.Text.Json;
using System.Text.Json.Serialization;
using Allocator.Service.Allocation;

namespace Allocator.Service.Storage;

/// <summary>How a game server is stored in the occupancy hash: camelCase JSON, readable with HGET.</summary>
public static class GameServerJson
{
    public static string Serialize(GameServer server) => JsonSerializer.Serialize(server, GameServerJsonContext.Default.GameServer);

    /// <summary>Reads a stored server; fields a hand-edited entry left null become empty, never null.</summary>
    public static GameServer Deserialize(string json)
    {
        var s = JsonSerializer.Deserialize(json, GameServerJsonContext.Default.GameServer) ?? throw new JsonException("null game server");
        s.Namespace ??= "default";
        s.Name ??= "";
        s.State ??= "";
        s.NodeName ??= "";
        s.Address ??= "";
        s.Labels ??= new(StringComparer.Ordinal);
        s.Annotations ??= new(StringComparer.Ordinal);
        s.Counters ??= new(StringComparer.Ordinal);
        s.Lists ??= new(StringComparer.Ordinal);
        s.Addresses ??= [];
        s.Ports ??= [];
        if (s.Counters.Values.Any(c => c is null) || s.Lists.Values.Any(l => l is null || l.Values is null) || s.Labels.Values.Any(v => v is null))
        {
            throw new JsonException($"game server {s.Namespace}/{s.Name} has null counters, lists or labels");
        }

        return s;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(GameServer))]
internal sealed partial class GameServerJsonContext : JsonSerializerContext;
