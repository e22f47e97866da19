using System.Text.Json;

namespace Allocator.Tests.Infrastructure.FakeKubernetesTests;

/// <summary>Reads the few fields the tests look at from GameServer JSON as the client returns it.</summary>
internal static class GameServerJson
{
    public static string Name(this JsonElement obj) => obj.GetProperty("metadata").GetProperty("name").GetString()!;

    public static string ResourceVersion(this JsonElement obj) =>
        obj.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;

    public static long Rooms(this JsonElement obj) =>
        obj.GetProperty("status").GetProperty("counters").GetProperty("rooms").GetProperty("count").GetInt64();

    public static JsonElement AsJson(this object body) => (JsonElement)body;
}
