using Allocation.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Processing;

namespace Allocator.Service.Api;

/// <summary>
/// Checks an Agones AllocationRequest before anything is queued. Returns the first problem,
/// naming the field as a JSON path (e.g. <c>gameServerSelectors[0].counters[rooms].minAvailable</c>),
/// or null when the request is valid.
/// </summary>
public static class AllocationRequestValidator
{
    public static string? Validate(AllocationRequest request, int listMaxItems = Limits.DefaultListMaxItems)
    {
        if (request.Namespace.Length > 0 && !Names.IsDnsLabel(request.Namespace))
        {
            return "namespace: must be a DNS label (lower-case letters, digits, '-', at most 63 characters)";
        }

        if (!Enum.IsDefined(request.Scheduling)) return $"scheduling: unknown strategy {(int)request.Scheduling}";

        // As Agones does, every selector field is checked, also the deprecated ones that
        // gameServerSelectors makes unused. The required selector is tried after the preferred.
        if (request.GameServerSelectors.Count > Limits.MaxSelectors) return $"gameServerSelectors: at most {Limits.MaxSelectors} selectors";
#pragma warning disable CS0612 // the deprecated fields are validated on purpose
        if (request.PreferredGameServerSelectors.Count > Limits.MaxSelectors - 1)
        {
            return $"preferredGameServerSelectors: at most {Limits.MaxSelectors - 1} selectors (the required selector follows them)";
        }

        var selectorProblem = ValidateSelectors("gameServerSelectors", request.GameServerSelectors)
            ?? ValidateSelectors("preferredGameServerSelectors", request.PreferredGameServerSelectors)
            ?? (request.RequiredGameServerSelector is { } required && Validate(required) is { } problem ? $"requiredGameServerSelector.{problem}" : null);
#pragma warning restore CS0612
        if (selectorProblem is not null) return selectorProblem;

        if (request.Priorities.Count > Limits.MaxPriorities) return $"priorities: at most {Limits.MaxPriorities}";
        for (var i = 0; i < request.Priorities.Count; i++)
        {
            var p = request.Priorities[i];
            if (!Enum.IsDefined(p.Type)) return $"priorities[{i}].type: unknown type {(int)p.Type}";
            if (!Enum.IsDefined(p.Order)) return $"priorities[{i}].order: unknown order {(int)p.Order}";
            if (!Names.IsKey(p.Key)) return $"priorities[{i}].key: must be a non-empty name of at most {Limits.MaxKeyLength} characters";
        }

        if (request.Counters.Count > Limits.MaxCounters) return $"counters: at most {Limits.MaxCounters} counter actions";
        foreach (var (key, action) in request.Counters)
        {
            if (!Names.IsKey(key)) return $"counters[{key}]: counter name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (action.Action is not null && action.Action is not ("Increment" or "Decrement"))
            {
                return $"counters[{key}].action: must be \"Increment\" or \"Decrement\"";
            }

            if ((action.Action is null) != (action.Amount is null)) return $"counters[{key}]: action and amount must be set together";
            if (action.Amount < 0) return $"counters[{key}].amount: must be >= 0";
            if (action.Capacity < 0) return $"counters[{key}].capacity: must be >= 0";
        }

        if (request.Lists.Count > Limits.MaxLists) return $"lists: at most {Limits.MaxLists} list actions";
        foreach (var (key, action) in request.Lists)
        {
            if (!Names.IsKey(key)) return $"lists[{key}]: list name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (action.Capacity < 0 || action.Capacity > listMaxItems) return $"lists[{key}].capacity: must be between 0 and {listMaxItems}";
            if (action.AddValues.Count + action.DeleteValues.Count > Limits.MaxListValues) return $"lists[{key}]: at most {Limits.MaxListValues} values per action";
            if (action.AddValues.Concat(action.DeleteValues).Any(v => v.Length is 0 or > Limits.MaxValueLength))
            {
                return $"lists[{key}]: values must be non-empty, at most {Limits.MaxValueLength} characters";
            }
        }

        return ValidateMetadata("metadata", request.Metadata) ?? ValidateMetadata("metaPatch", request.MetaPatch)
            ?? (request.MultiClusterSetting?.PolicySelector is { } policies ? ValidateLabels("multiClusterSetting.policySelector.matchLabels", policies.MatchLabels) : null);
    }

    private static string? ValidateSelectors(string field, IList<GameServerSelector> selectors)
    {
        for (var i = 0; i < selectors.Count; i++)
        {
            var problem = Validate(selectors[i]);
            if (problem is not null) return $"{field}[{i}].{problem}";
        }

        return null;
    }

    private static string? Validate(GameServerSelector selector)
    {
        if (!Enum.IsDefined(selector.GameServerState)) return $"gameServerState: unknown state {(int)selector.GameServerState}";
        var labels = ValidateLabels("matchLabels", selector.MatchLabels);
        if (labels is not null) return labels;

        if (selector.MatchExpressions.Count > Limits.MaxExpressions) return $"matchExpressions: at most {Limits.MaxExpressions}";
        for (var i = 0; i < selector.MatchExpressions.Count; i++)
        {
            var e = selector.MatchExpressions[i];
            if (!Names.IsLabelKey(e.Key)) return $"matchExpressions[{i}].key: not a valid label key";
            if (!Enum.IsDefined(e.Operator)) return $"matchExpressions[{i}].operator: unknown operator {(int)e.Operator}";
            var needsValues = e.Operator is LabelMatchExpressions.Types.Operator.In or LabelMatchExpressions.Types.Operator.NotIn;
            if (needsValues && e.Values.Count == 0) return $"matchExpressions[{i}].values: {e.Operator} needs at least one value";
            if (!needsValues && e.Values.Count > 0) return $"matchExpressions[{i}].values: {e.Operator} takes no values";
            if (e.Values.Count > Limits.MaxListValues) return $"matchExpressions[{i}].values: at most {Limits.MaxListValues}";
            if (e.Values.Any(v => v.Length > Limits.MaxValueLength)) return $"matchExpressions[{i}].values: at most {Limits.MaxValueLength} characters each";
        }

        if (selector.Counters.Count > Limits.MaxCounters) return $"counters: at most {Limits.MaxCounters}";
        foreach (var (key, c) in selector.Counters)
        {
            if (!Names.IsKey(key)) return $"counters[{key}]: counter name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (c.MinCount < 0) return $"counters[{key}].minCount: must be >= 0";
            if (c.MaxCount < 0) return $"counters[{key}].maxCount: must be >= 0";
            if (c.MinAvailable < 0) return $"counters[{key}].minAvailable: must be >= 0";
            if (c.MaxAvailable < 0) return $"counters[{key}].maxAvailable: must be >= 0";
            if (c.MaxCount != 0 && c.MaxCount < c.MinCount) return $"counters[{key}].maxCount: must be >= minCount (or 0 for no limit)";
            if (c.MaxAvailable != 0 && c.MaxAvailable < c.MinAvailable) return $"counters[{key}].maxAvailable: must be >= minAvailable (or 0 for no limit)";
        }

        if (selector.Lists.Count > Limits.MaxLists) return $"lists: at most {Limits.MaxLists}";
        foreach (var (key, l) in selector.Lists)
        {
            if (!Names.IsKey(key)) return $"lists[{key}]: list name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (l.MinAvailable < 0) return $"lists[{key}].minAvailable: must be >= 0";
            if (l.MaxAvailable < 0) return $"lists[{key}].maxAvailable: must be >= 0";
            if (l.MaxAvailable != 0 && l.MaxAvailable < l.MinAvailable) return $"lists[{key}].maxAvailable: must be >= minAvailable (or 0 for no limit)";
            if (l.ContainsValue.Length > Limits.MaxValueLength) return $"lists[{key}].containsValue: at most {Limits.MaxValueLength} characters";
        }

        return null;
    }

    private static string? ValidateMetadata(string field, MetaPatch? patch)
    {
        if (patch is null) return null;
        return ValidateLabels($"{field}.labels", patch.Labels) ?? ValidateAnnotations($"{field}.annotations", patch.Annotations);
    }

    private static string? ValidateLabels(string field, IDictionary<string, string> labels)
    {
        if (labels.Count > Limits.MaxLabels) return $"{field}: at most {Limits.MaxLabels} labels";
        foreach (var (key, value) in labels)
        {
            if (!Names.IsLabelKey(key)) return $"{field}[{key}]: not a valid label key (optional DNS prefix '/', then a name of at most 63 characters)";
            if (!Names.IsLabelValue(value)) return $"{field}[{key}]: label value must be at most 63 characters of letters, digits, '-', '_' or '.'";
        }

        return null;
    }

    private static string? ValidateAnnotations(string field, IDictionary<string, string> annotations)
    {
        if (annotations.Count > Limits.MaxLabels) return $"{field}: at most {Limits.MaxLabels} annotations";
        var bytes = 0;
        foreach (var (key, value) in annotations)
        {
            if (!Names.IsAnnotationKey(key)) return $"{field}[{key}]: not a valid annotation key";
            if (value.Length > Limits.MaxAnnotationValueLength) return $"{field}[{key}]: value longer than {Limits.MaxAnnotationValueLength} characters";
            bytes += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }

        return bytes > Limits.MaxAnnotationBytes ? $"{field}: annotations larger than {Limits.MaxAnnotationBytes / 1024} KiB in all" : null;
    }
}
