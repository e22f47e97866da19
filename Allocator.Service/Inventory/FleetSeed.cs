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
        if (!string.IsNullOrWhiteSpace(demoFleet)) servers.AddRange(Demo(DemoFleetSpec.Parse(demoFleet)));
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

    public static IEnumerable<GameServer> Demo(DemoFleetSpec spec)
    {
        for (var i = 0; i < spec.Servers; i++)
        {
            var name = $"{spec.Fleet}-{i:D5}";
            yield return new GameServer
            {
                Namespace = spec.Namespace,
                Name = name,
                State = GameServerStates.Ready,
                Labels = new(StringComparer.Ordinal) { ["agones.dev/fleet"] = spec.Fleet },
                Counters = new(StringComparer.Ordinal) { [spec.Counter] = new CounterState { Count = 0, Capacity = spec.Capacity } },
                Address = $"10.0.{i / 250 % 250}.{i % 250 + 1}",
                Ports = [new GameServerPort("default", 7000 + i % 1000)],
                NodeName = $"node-{i % spec.Nodes:D3}",
            };
        }
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

/// <summary><c>servers=100,nodes=10,capacity=10,counter=rooms,fleet=demo,namespace=default</c>.</summary>
public sealed record DemoFleetSpec(int Servers, int Nodes, long Capacity, string Counter, string Fleet, string Namespace)
{
    public static DemoFleetSpec Parse(string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "", StringComparer.OrdinalIgnoreCase);
        string Get(string key, string fallback) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
        var spec = new DemoFleetSpec(
            int.Parse(Get("servers", "100")),
            int.Parse(Get("nodes", "10")),
            long.Parse(Get("capacity", "10")),
            Get("counter", "rooms"),
            Get("fleet", "demo"),
            Get("namespace", "default"));
        if (spec.Servers < 0 || spec.Nodes < 1 || spec.Capacity < 0)
        {
            throw new FormatException($"Allocator:Inventory:DemoFleet '{text}': servers >= 0, nodes >= 1 and capacity >= 0 are required.");
        }

        return spec;
    }
}
