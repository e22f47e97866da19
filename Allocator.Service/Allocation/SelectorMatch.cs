namespace Allocator.Service.Allocation;

/// <summary>Whether a game server satisfies a selector: every clause must hold (Agones semantics).</summary>
public static class SelectorMatch
{
    public static bool Matches(Selector selector, GameServer server)
    {
        if (server.State != selector.State) return false;

        foreach (var (key, value) in selector.MatchLabels)
        {
            if (!server.Labels.TryGetValue(key, out var actual) || actual != value) return false;
        }

        foreach (var expression in selector.MatchExpressions)
        {
            if (!Holds(expression, server.Labels)) return false;
        }

        foreach (var (key, filter) in selector.Counters)
        {
            if (!server.Counters.TryGetValue(key, out var counter) || !Holds(filter, counter)) return false;
        }

        foreach (var (key, filter) in selector.Lists)
        {
            if (!server.Lists.TryGetValue(key, out var list) || !Holds(filter, list)) return false;
        }

        return true;
    }

    private static bool Holds(LabelExpression expression, Dictionary<string, string> labels)
    {
        var present = labels.TryGetValue(expression.Key, out var value);
        return expression.Operator switch
        {
            LabelOperator.In => present && expression.Values.Contains(value!),
            LabelOperator.NotIn => !present || !expression.Values.Contains(value!),
            LabelOperator.Exists => present,
            LabelOperator.DoesNotExist => !present,
            _ => false,
        };
    }

    private static bool Holds(CounterFilter filter, CounterState counter) =>
        InRange(counter.Count, filter.MinCount, filter.MaxCount)
        && InRange(counter.Available, filter.MinAvailable, filter.MaxAvailable);

    private static bool Holds(ListFilter filter, ListState list) =>
        (filter.ContainsValue.Length == 0 || list.Values.Contains(filter.ContainsValue))
        && InRange(list.Available, filter.MinAvailable, filter.MaxAvailable);

    // A maximum of 0 means "no upper limit".
    private static bool InRange(long value, long min, long max) => value >= min && (max == 0 || value <= max);
}
