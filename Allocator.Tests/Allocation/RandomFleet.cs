using Allocator.Service.Allocation;

namespace Allocator.Tests.Allocation;

/// <summary>Seeded random fleets, requests and churn over a small vocabulary, so that matches, ties and edge cases are common.</summary>
internal sealed class RandomFleet(int seed)
{
    private static readonly string[] States = [GameServerStates.Ready, GameServerStates.Ready, GameServerStates.Allocated, GameServerStates.Allocated, GameServerStates.Shutdown];
    private readonly Random _random = new(seed);

    public Random Random => _random;

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
    private bool Chance(double p) => _random.NextDouble() < p;

    public GameServer Server()
    {
        var server = new GameServer
        {
            Namespace = Chance(0.9) ? "default" : "other",
            Name = $"gs-{_random.Next(40):D2}",
            State = Pick(States),
            NodeName = $"n{_random.Next(4)}",
        };
        server.Labels["agones.dev/fleet"] = $"f{_random.Next(3)}";
        if (Chance(0.5)) server.Labels["mode"] = Pick(new[] { "a", "b" });
        if (Chance(0.9)) server.Counters["rooms"] = Counter(5);
        if (Chance(0.3)) server.Counters["slots"] = Counter(3);
        if (Chance(0.4))
        {
            var capacity = _random.Next(5);
            server.Lists["players"] = new ListState { Capacity = capacity, Values = Enumerable.Range(0, 6).Select(i => $"p{i}").Where(_ => Chance(0.3)).Take(capacity).ToList() };
        }

        return server;
    }

    private CounterState Counter(int maxCapacity)
    {
        var capacity = _random.Next(maxCapacity + 1);
        return new CounterState { Capacity = capacity, Count = _random.Next(capacity + 1) };
    }

    // The fleet as last accepted: what Redis would hold, for undoing a batch.
    private Dictionary<string, GameServer> _accepted = [];

    public Fleet Fleet()
    {
        var fleet = new Fleet();
        for (var i = _random.Next(25); i > 0; i--) fleet.Load(Server());
        Accept(fleet);
        return fleet;
    }

    private void Accept(Fleet fleet)
    {
        fleet.Accept();
        _accepted = fleet.Servers.ToDictionary(s => s.Key, s => s.Clone());
    }

    public AllocationSpec Request()
    {
        var selectors = Enumerable.Range(0, 1 + _random.Next(3)).Select(_ => Selector()).ToList();
        var priorities = Enumerable.Range(0, Chance(0.5) ? _random.Next(3) : 0).Select(_ => new Priority(
            Chance(0.7) ? PriorityType.Counter : PriorityType.List,
            Pick(new[] { "rooms", "slots", "players" }),
            Chance(0.5) ? PriorityOrder.Ascending : PriorityOrder.Descending)).ToList();
        var counters = new Dictionary<string, CounterAction>();
        if (Chance(0.1)) counters["rooms"] = CounterAction.CapacityOnly(_random.Next(6));
        else if (Chance(0.6)) counters["rooms"] = new CounterAction(Chance(0.85) ? CounterOperation.Increment : CounterOperation.Decrement, _random.Next(3), Chance(0.1) ? _random.Next(6) : null);
        if (Chance(0.2)) counters["slots"] = new CounterAction(CounterOperation.Increment, 1);
        var lists = new Dictionary<string, ListAction>();
        if (Chance(0.3)) lists["players"] = new ListAction([$"p{_random.Next(6)}"], Chance(0.3) ? [$"p{_random.Next(6)}"] : []);
        return new AllocationSpec
        {
            Namespace = Chance(0.9) ? "default" : "other",
            Selectors = selectors,
            Scheduling = Chance(0.6) ? Scheduling.Packed : Scheduling.Distributed,
            Priorities = priorities,
            CounterActions = counters,
            ListActions = lists,
        };
    }

    private Selector Selector()
    {
        var labels = new Dictionary<string, string>();
        if (Chance(0.7)) labels["agones.dev/fleet"] = $"f{_random.Next(3)}";
        if (Chance(0.2)) labels["mode"] = Pick(new[] { "a", "b" });
        var expressions = new List<LabelExpression>();
        if (Chance(0.2)) expressions.Add(new LabelExpression("mode", (LabelOperator)_random.Next(4), [Pick(new[] { "a", "b" })]));
        var counters = new Dictionary<string, CounterFilter>();
        if (Chance(0.5)) counters["rooms"] = new CounterFilter(_random.Next(3), Chance(0.3) ? _random.Next(6) : 0, _random.Next(3), Chance(0.3) ? _random.Next(6) : 0);
        var lists = new Dictionary<string, ListFilter>();
        if (Chance(0.2)) lists["players"] = new ListFilter(Chance(0.5) ? $"p{_random.Next(6)}" : "", _random.Next(2), 0);
        return new Selector
        {
            State = Chance(0.5) ? GameServerStates.Ready : GameServerStates.Allocated,
            MatchLabels = labels,
            MatchExpressions = expressions,
            Counters = counters,
            Lists = lists,
        };
    }

    /// <summary>A change from outside the engine: registration, removal, sessions ending, state/label/node moves, or a batch undone.</summary>
    public void Churn(Fleet fleet)
    {
        var servers = fleet.Servers.ToList();
        var target = servers.Count > 0 ? Pick(servers) : null;
        switch (_random.Next(7))
        {
            case 0:
                fleet.Put(Server());
                break;
            case 1 when target is not null:
                fleet.Remove(target.Key);
                break;
            case 2 when target is not null && target.Counters.ContainsKey("rooms"):
                fleet.Edit(target, s => s.Counters["rooms"].Count = _random.Next((int)s.Counters["rooms"].Capacity + 1));
                break;
            case 3 when target is not null:
                fleet.Edit(target, s => s.State = Pick(States));
                break;
            case 4 when target is not null:
                fleet.Edit(target, s => s.NodeName = $"n{_random.Next(4)}");
                break;
            case 5 when target is not null:
                fleet.Edit(target, s => s.Labels["agones.dev/fleet"] = $"f{_random.Next(3)}");
                break;
            case 6:
                fleet.TakeChanges();
                if (Chance(0.5)) fleet.Restore(fleet.Touched.ToList().Select(k => (k, _accepted.GetValueOrDefault(k)?.Clone())));
                else Accept(fleet);
                break;
        }
    }
}
