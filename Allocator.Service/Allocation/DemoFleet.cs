namespace Allocator.Service.Allocation;

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

    /// <summary>The servers, named <c>{fleet}-00000</c> ..., spread over the nodes, all Ready and empty.</summary>
    public IEnumerable<GameServer> Generate()
    {
        for (var i = 0; i < Servers; i++)
        {
            var name = $"{Fleet}-{i:D5}";
            yield return new GameServer
            {
                Namespace = Namespace,
                Name = name,
                State = GameServerStates.Ready,
                Labels = new(StringComparer.Ordinal) { ["agones.dev/fleet"] = Fleet },
                Counters = new(StringComparer.Ordinal) { [Counter] = new CounterState { Count = 0, Capacity = Capacity } },
                Address = $"10.0.{i / 250 % 250}.{i % 250 + 1}",
                Ports = [new GameServerPort("default", 7000 + i % 1000)],
                NodeName = $"node-{i % Nodes:D3}",
            };
        }
    }
}
