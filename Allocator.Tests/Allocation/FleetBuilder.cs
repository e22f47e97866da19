using Allocator.Service.Allocation;

namespace Allocator.Tests.Allocation;

/// <summary>Small fleets for engine tests.</summary>
internal static class FleetBuilder
{
    public static GameServer Server(string name, string node = "node-a", string state = GameServerStates.Ready, long rooms = 0, long capacity = 10, string fleet = "f", string ns = "default") => new()
    {
        Namespace = ns,
        Name = name,
        State = state,
        NodeName = node,
        Labels = new() { ["agones.dev/fleet"] = fleet },
        Counters = new() { ["rooms"] = new CounterState { Count = rooms, Capacity = capacity } },
    };

    public static Fleet Of(params GameServer[] servers)
    {
        var fleet = new Fleet();
        foreach (var s in servers) fleet.Load(s);
        return fleet;
    }

    /// <summary>One more session on fleet "f": Allocated with room first, else Ready.</summary>
    public static AllocationSpec Session(string fleet = "f") => new()
    {
        Selectors =
        [
            new Selector { State = GameServerStates.Allocated, MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = fleet }, Counters = new Dictionary<string, CounterFilter> { ["rooms"] = new(MinAvailable: 1) } },
            new Selector { State = GameServerStates.Ready, MatchLabels = new Dictionary<string, string> { ["agones.dev/fleet"] = fleet }, Counters = new Dictionary<string, CounterFilter> { ["rooms"] = new(MinAvailable: 1) } },
        ],
        CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = new(CounterOperation.Increment, 1) },
    };
}
