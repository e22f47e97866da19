using Allocator.Service.Allocation;
using Proto = Allocator.Inventory.V1;

namespace Allocator.Service.Inventory;

/// <summary>Between the inventory API's GameServer message and the engine's model.</summary>
public static class GameServerMapping
{
    public static GameServer ToModel(Proto.GameServer g) => new()
    {
        Namespace = string.IsNullOrEmpty(g.Namespace) ? "default" : g.Namespace,
        Name = g.Name,
        State = string.IsNullOrEmpty(g.State) ? GameServerStates.Ready : g.State,
        Labels = new(g.Labels, StringComparer.Ordinal),
        Annotations = new(g.Annotations, StringComparer.Ordinal),
        Counters = g.Counters.ToDictionary(kv => kv.Key, kv => new CounterState { Count = kv.Value.Count, Capacity = kv.Value.Capacity }, StringComparer.Ordinal),
        Lists = g.Lists.ToDictionary(kv => kv.Key, kv => new ListState { Capacity = kv.Value.Capacity, Values = [.. kv.Value.Values] }, StringComparer.Ordinal),
        Address = g.Address,
        Addresses = g.Addresses.Select(a => new GameServerAddress(a.Type, a.Address_)).ToList(),
        Ports = g.Ports.Select(p => new GameServerPort(p.Name, p.Port_)).ToList(),
        NodeName = g.NodeName,
    };

    public static Proto.GameServer ToProto(GameServer s)
    {
        var g = new Proto.GameServer
        {
            Namespace = s.Namespace,
            Name = s.Name,
            State = s.State,
            Labels = { s.Labels },
            Annotations = { s.Annotations },
            Address = s.Address,
            NodeName = s.NodeName,
        };
        foreach (var (key, c) in s.Counters) g.Counters[key] = new Proto.Counter { Count = c.Count, Capacity = c.Capacity };
        foreach (var (key, l) in s.Lists) g.Lists[key] = new Proto.List { Capacity = l.Capacity, Values = { l.Values } };
        g.Addresses.AddRange(s.Addresses.Select(a => new Proto.Address { Type = a.Type, Address_ = a.Address }));
        g.Ports.AddRange(s.Ports.Select(p => new Proto.Port { Name = p.Name, Port_ = p.Port }));
        return g;
    }
}
