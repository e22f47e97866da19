using Allocator.Inventory.V1;

namespace Allocator.Service.Api;

/// <summary>Checks inventory calls before they are queued; messages name the field.</summary>
public static class InventoryValidator
{
    private static readonly HashSet<string> States = ["Ready", "Allocated", "Reserved", "Unhealthy", "Shutdown"];

    public static string? ValidateName(string ns, string name)
    {
        if (ns.Length > 0 && !Names.IsDnsLabel(ns)) return "namespace: must be a DNS label";
        if (!Names.IsDnsSubdomain(name)) return "name: must be a DNS subdomain name (lower-case letters, digits, '-', '.', at most 253 characters)";
        return null;
    }

    public static string? Validate(GameServer? server, string field, int listMaxItems = Limits.DefaultListMaxItems)
    {
        if (server is null) return $"{field}: required";
        var name = ValidateName(server.Namespace, server.Name);
        if (name is not null) return $"{field}.{name}";
        if (server.State.Length > 0 && !States.Contains(server.State)) return $"{field}.state: one of {string.Join(", ", States)}";
        if (server.Labels.Count > Limits.MaxLabels) return $"{field}.labels: at most {Limits.MaxLabels}";
        foreach (var (key, value) in server.Labels)
        {
            if (!Names.IsLabelKey(key) || !Names.IsLabelValue(value)) return $"{field}.labels[{key}]: not a valid label";
        }

        if (server.Annotations.Count > Limits.MaxLabels) return $"{field}.annotations: at most {Limits.MaxLabels}";
        foreach (var (key, value) in server.Annotations)
        {
            if (!Names.IsAnnotationKey(key) || value.Length > Limits.MaxAnnotationValueLength) return $"{field}.annotations[{key}]: not a valid annotation";
        }

        if (server.Counters.Count > Limits.MaxCounters) return $"{field}.counters: at most {Limits.MaxCounters}";
        foreach (var (key, c) in server.Counters)
        {
            if (!Names.IsKey(key)) return $"{field}.counters[{key}]: counter name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (c.Capacity < 0 || c.Count < 0 || c.Count > c.Capacity) return $"{field}.counters[{key}]: need 0 <= count <= capacity";
        }

        if (server.Lists.Count > Limits.MaxLists) return $"{field}.lists: at most {Limits.MaxLists}";
        foreach (var (key, l) in server.Lists)
        {
            if (!Names.IsKey(key)) return $"{field}.lists[{key}]: list name must be non-empty, at most {Limits.MaxKeyLength} characters";
            if (l.Capacity < 0 || l.Capacity > listMaxItems || l.Values.Count > l.Capacity) return $"{field}.lists[{key}]: need 0 <= len(values) <= capacity <= {listMaxItems}";
            if (l.Values.Any(v => v.Length is 0 or > Limits.MaxValueLength)) return $"{field}.lists[{key}].values: non-empty, at most {Limits.MaxValueLength} characters";
            // A list is a set (Agones' CRD: x-kubernetes-list-type: set).
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (l.Values.FirstOrDefault(v => !seen.Add(v)) is { } twice) return $"{field}.lists[{key}].values: \"{twice}\" appears more than once (a list is a set)";
        }

        if (server.Address.Length > 253) return $"{field}.address: at most 253 characters";
        if (server.NodeName.Length > 253) return $"{field}.nodeName: at most 253 characters";
        if (server.Ports.Any(p => p.Port_ is < 0 or > 65535 || p.Name.Length > 63)) return $"{field}.ports: port numbers 0-65535, names at most 63 characters";
        if (server.Ports.Count > 64 || server.Addresses.Count > 16) return $"{field}: at most 64 ports and 16 addresses";
        return null;
    }

    public static string? Validate(EndSessionRequest request)
    {
        var name = ValidateName(request.Namespace, request.Name);
        if (name is not null) return name;
        if (request.Counter.Length == 0 && request.List.Length == 0) return "counter: name a counter to decrement and/or a list to remove a value from";
        if (request.Counter.Length > 0 && !Names.IsKey(request.Counter)) return "counter: invalid counter name";
        if (request.List.Length > 0 && (!Names.IsKey(request.List) || request.Value.Length == 0)) return "list: needs a valid list name and a non-empty value";
        return null;
    }
}
