using System.Text.Json;
using System.Text.Json.Serialization;
using Allocator.Service.Allocation;

namespace Allocator.Service.Storage;

/// <summary>How a game server is stored in the occupancy hash: camelCase JSON, readable with HGET.</summary>
public static class GameServerJson
{
    public static string Serialize(GameServer server) => JsonSerializer.Serialize(server, GameServerJsonContext.Default.GameServer);

    public static GameServer Deserialize(string json) =>
        JsonSerializer.Deserialize(json, GameServerJsonContext.Default.GameServer)
        ?? throw new JsonException("null game server");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(GameServer))]
internal sealed partial class GameServerJsonContext : JsonSerializerContext;
