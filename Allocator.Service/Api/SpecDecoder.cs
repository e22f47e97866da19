using Allocation.V1;
using Allocator.Service.Allocation;
using Google.Protobuf;
using ProtoPriority = global::Allocation.V1.Priority;
using ProtoSelector = global::Allocation.V1.GameServerSelector;

namespace Allocator.Service.Api;

/// <summary>Turns a queued Agones AllocationRequest (proto-JSON, validated by the front) into an engine spec.</summary>
public static class SpecDecoder
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static AllocationRequest Parse(string json) => Parser.Parse<AllocationRequest>(json);

    public static AllocationSpec ToSpec(AllocationRequest request)
    {
        var metadata = request.Metadata ?? request.MetaPatch;
        return new AllocationSpec
        {
            Namespace = string.IsNullOrEmpty(request.Namespace) ? "default" : request.Namespace,
            Selectors = Selectors(request).Select(ToSelector).ToList(),
            Scheduling = request.Scheduling == AllocationRequest.Types.SchedulingStrategy.Distributed ? Scheduling.Distributed : Scheduling.Packed,
            Priorities = request.Priorities.Select(p => new Allocation.Priority(
                p.Type == ProtoPriority.Types.Type.List ? PriorityType.List : PriorityType.Counter,
                p.Key,
                p.Order == ProtoPriority.Types.Order.Descending ? PriorityOrder.Descending : PriorityOrder.Ascending)).ToList(),
            CounterActions = request.Counters
                .Where(kv => kv.Value.Action is not null || kv.Value.Capacity is not null)
                .ToDictionary(kv => kv.Key, kv => ToCounterAction(kv.Value)),
            ListActions = request.Lists.ToDictionary(kv => kv.Key, kv => new Allocation.ListAction(
                kv.Value.AddValues.ToList(), kv.Value.DeleteValues.ToList(), kv.Value.Capacity)),
            Labels = metadata?.Labels.ToDictionary() ?? [],
            Annotations = metadata?.Annotations.ToDictionary() ?? [],
        };
    }

    /// <summary>
    /// gameServerSelectors; when empty, the deprecated preferred selectors then the required
    /// one, which Agones always appends: unset, it is the empty selector (any Ready server in
    /// the namespace), so preferred selectors alone fall back to any Ready server.
    /// </summary>
    public static IReadOnlyList<ProtoSelector> Selectors(AllocationRequest request)
    {
        if (request.GameServerSelectors.Count > 0) return request.GameServerSelectors;
#pragma warning disable CS0612 // the deprecated fields are honoured on purpose
        return [.. request.PreferredGameServerSelectors, request.RequiredGameServerSelector ?? new ProtoSelector()];
#pragma warning restore CS0612
    }

    /// <summary>Action and amount come together (the validator checks it); a capacity alone is no Increment.</summary>
    private static Allocation.CounterAction ToCounterAction(global::Allocation.V1.CounterAction action) => action.Action switch
    {
        null => Allocation.CounterAction.CapacityOnly(action.Capacity ?? 0),
        "Decrement" => new(CounterOperation.Decrement, action.Amount ?? 0, action.Capacity),
        _ => new(CounterOperation.Increment, action.Amount ?? 0, action.Capacity),
    };

    private static Selector ToSelector(ProtoSelector s) => new()
    {
        MatchLabels = s.MatchLabels.ToDictionary(),
        MatchExpressions = s.MatchExpressions.Select(e => new LabelExpression(e.Key, (LabelOperator)(int)e.Operator, e.Values.ToList())).ToList(),
        State = s.GameServerState == ProtoSelector.Types.GameServerState.Allocated ? GameServerStates.Allocated : GameServerStates.Ready,
        Counters = s.Counters.ToDictionary(kv => kv.Key, kv => new CounterFilter(kv.Value.MinCount, kv.Value.MaxCount, kv.Value.MinAvailable, kv.Value.MaxAvailable)),
        Lists = s.Lists.ToDictionary(kv => kv.Key, kv => new ListFilter(kv.Value.ContainsValue, kv.Value.MinAvailable, kv.Value.MaxAvailable)),
    };
}
