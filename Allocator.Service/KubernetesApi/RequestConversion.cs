using Proto = Allocation.V1;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// A GameServerAllocation's spec as the gRPC <c>AllocationRequest</c> it means, so it takes the
/// same validation, queue and leader. The spec's strings that are enums in the proto are checked
/// here (a cause each, named as Agones names the field); everything else is the validator's.
/// Selectors, preferred and required go to their proto twins: the engine and the validator
/// treat them as Agones does. A JSON null in a list or map is the zero value, as Kubernetes'
/// decoder reads it (an empty selector, an empty string), and the validator judges that.
/// </summary>
public static class RequestConversion
{
    public static Proto.AllocationRequest ToRequest(GameServerAllocationSpec spec, string ns, List<StatusCause> causes)
    {
        var request = new Proto.AllocationRequest { Namespace = ns, Scheduling = Scheduling(spec.Scheduling, causes) };
        request.GameServerSelectors.AddRange(Selectors(spec.Selectors, "spec.selectors", causes));
#pragma warning disable CS0612 // the deprecated fields carry Agones' deprecated required/preferred
        request.PreferredGameServerSelectors.AddRange(Selectors(spec.Preferred, "spec.preferred", causes));
        if (spec.Required is { } required) request.RequiredGameServerSelector = Selector(required, "spec.required", causes);
#pragma warning restore CS0612
        for (var i = 0; i < (spec.Priorities?.Count ?? 0); i++) request.Priorities.Add(Priority(spec.Priorities![i] ?? new(), $"spec.priorities[{i}]", causes));
        foreach (var (key, action) in spec.Counters ?? [])
        {
            request.Counters[key] = new Proto.CounterAction { Action = action?.Action, Amount = action?.Amount, Capacity = action?.Capacity };
        }

        foreach (var (key, action) in spec.Lists ?? [])
        {
            request.Lists[key] = new Proto.ListAction { AddValues = { Strings(action?.AddValues) }, DeleteValues = { Strings(action?.DeleteValues) }, Capacity = action?.Capacity };
        }

        if (spec.Metadata is { } patch)
        {
            request.Metadata = new Proto.MetaPatch { Labels = { Strings(patch.Labels) }, Annotations = { Strings(patch.Annotations) } };
        }

        if (spec.MultiClusterSetting is { } multiCluster) request.MultiClusterSetting = MultiCluster(multiCluster, causes);
        return request;
    }

    private static Proto.AllocationRequest.Types.SchedulingStrategy Scheduling(string? value, List<StatusCause> causes)
    {
        switch (value)
        {
            case null or "" or "Packed": return Proto.AllocationRequest.Types.SchedulingStrategy.Packed;
            case "Distributed": return Proto.AllocationRequest.Types.SchedulingStrategy.Distributed;
            default:
                causes.Add(StatusCause.NotSupported("spec.scheduling", value, "Packed", "Distributed"));
                return default;
        }
    }

    private static IEnumerable<Proto.GameServerSelector> Selectors(List<GameServerSelector?>? selectors, string field, List<StatusCause> causes) =>
        (selectors ?? []).Select((s, i) => Selector(s ?? new(), $"{field}[{i}]", causes)).ToList();

    private static Proto.GameServerSelector Selector(GameServerSelector selector, string field, List<StatusCause> causes)
    {
        var proto = new Proto.GameServerSelector { MatchLabels = { Strings(selector.MatchLabels) } };
        switch (selector.GameServerState)
        {
            case null or "" or "Ready": proto.GameServerState = Proto.GameServerSelector.Types.GameServerState.Ready; break;
            case "Allocated": proto.GameServerState = Proto.GameServerSelector.Types.GameServerState.Allocated; break;
            default: causes.Add(StatusCause.NotSupported($"{field}.gameServerState", selector.GameServerState, "Ready", "Allocated")); break;
        }

        for (var i = 0; i < (selector.MatchExpressions?.Count ?? 0); i++)
        {
            proto.MatchExpressions.Add(Expression(selector.MatchExpressions![i] ?? new(), $"{field}.matchExpressions[{i}]", causes));
        }

        foreach (var (key, c) in selector.Counters ?? [])
        {
            proto.Counters[key] = c is null ? new() : new Proto.CounterSelector { MinCount = c.MinCount, MaxCount = c.MaxCount, MinAvailable = c.MinAvailable, MaxAvailable = c.MaxAvailable };
        }

        foreach (var (key, l) in selector.Lists ?? [])
        {
            proto.Lists[key] = l is null ? new() : new Proto.ListSelector { ContainsValue = l.ContainsValue ?? "", MinAvailable = l.MinAvailable, MaxAvailable = l.MaxAvailable };
        }

        return proto;
    }

    private static Proto.LabelMatchExpressions Expression(LabelSelectorRequirement requirement, string field, List<StatusCause> causes)
    {
        var expression = new Proto.LabelMatchExpressions { Key = requirement.Key ?? "", Values = { Strings(requirement.Values) } };
        Proto.LabelMatchExpressions.Types.Operator? op = requirement.Operator switch
        {
            "In" => Proto.LabelMatchExpressions.Types.Operator.In,
            "NotIn" => Proto.LabelMatchExpressions.Types.Operator.NotIn,
            "Exists" => Proto.LabelMatchExpressions.Types.Operator.Exists,
            "DoesNotExist" => Proto.LabelMatchExpressions.Types.Operator.DoesNotExist,
            _ => null,
        };
        if (op is { } known) expression.Operator = known;
        else causes.Add(StatusCause.NotSupported($"{field}.operator", requirement.Operator, "In", "NotIn", "Exists", "DoesNotExist"));
        return expression;
    }

    private static Proto.Priority Priority(Priority priority, string field, List<StatusCause> causes)
    {
        var proto = new Proto.Priority { Key = priority.Key ?? "" };
        switch (priority.Type)
        {
            case "Counter": proto.Type = Proto.Priority.Types.Type.Counter; break;
            case "List": proto.Type = Proto.Priority.Types.Type.List; break;
            default: causes.Add(StatusCause.NotSupported($"{field}.type", priority.Type, "Counter", "List")); break;
        }

        switch (priority.Order)
        {
            // Agones' default order is Ascending.
            case null or "" or "Ascending": proto.Order = Proto.Priority.Types.Order.Ascending; break;
            case "Descending": proto.Order = Proto.Priority.Types.Order.Descending; break;
            default: causes.Add(StatusCause.NotSupported($"{field}.order", priority.Order, "Ascending", "Descending")); break;
        }

        return proto;
    }

    /// <summary>The proto's policy selector has match labels only: expressions there are refused rather than ignored.</summary>
    private static Proto.MultiClusterSetting MultiCluster(MultiClusterSetting setting, List<StatusCause> causes)
    {
        var proto = new Proto.MultiClusterSetting { Enabled = setting.Enabled };
        if (setting.PolicySelector is not { } selector) return proto;
        proto.PolicySelector = new Proto.LabelSelector { MatchLabels = { Strings(selector.MatchLabels) } };
        if (selector.MatchExpressions is { Count: > 0 })
        {
            causes.Add(new StatusCause("FieldValueInvalid", "Invalid value: matchExpressions are not supported in a policy selector; use matchLabels",
                "spec.multiClusterSetting.policySelector.matchExpressions"));
        }

        return proto;
    }

    private static IEnumerable<string> Strings(List<string?>? values) => (values ?? []).Select(v => v ?? "");

    private static Dictionary<string, string> Strings(Dictionary<string, string?>? values) =>
        (values ?? []).ToDictionary(kv => kv.Key, kv => kv.Value ?? "", StringComparer.Ordinal);
}
