using Allocator.Service.Allocation;
using Google.Protobuf;
using Proto = Allocator.Inventory.V1;

namespace Allocator.Service.Inventory;

/// <summary>
/// Game servers a leader adds at the start of its term when they are missing from the hash:
/// a generated demo fleet and/or a JSON seed file. Existing entries are never overwritten, so
/// every replica can carry the same seed and restarts do not reset occupancy; and a seed is
/// applied once (by fingerprint), so a server removed later is not brought back.
/// </summary>
public static class FleetSeed
{
    /// <summary>Identifies a seed's content: a leader applies a seed only when it differs from the last one applied.</summary>
    public static string Fingerprint(string demoFleet, string seedFile)
    {
        var content = demoFleet + "\n" + (string.IsNullOrWhiteSpace(seedFile) ? "" : File.ReadAllText(seedFile));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
    }

    public static IReadOnlyList<GameServer> FromOptions(string demoFleet, string seedFile)
    {
        var servers = new List<GameServer>();
        foreach (var spec in demoFleet.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) servers.AddRange(DemoFleetSpec.Parse(spec).Generate());
        if (!string.IsNullOrWhiteSpace(seedFile)) servers.AddRange(FromJson(File.ReadAllText(seedFile)));
        return servers;
    }

    /// <summary>Adds the seed servers the fleet lacks; returns how many were added.</summary>
    public static int AddMissing(Fleet fleet, IEnumerable<GameServer> seed)
    {
        var added = 0;
        foreach (var server in seed)
        {
            if (fleet.Find(server.Key) is not null) continue;
            fleet.Put(server.Clone());
            added++;
        }

        return added;
    }

    /// <summary>A JSON array of inventory GameServer objects in proto-JSON.</summary>
    public static IEnumerable<GameServer> FromJson(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            yield return GameServerMapping.ToModel(JsonParser.Default.Parse<Proto.GameServer>(element.GetRawText()));
        }
    }
}
