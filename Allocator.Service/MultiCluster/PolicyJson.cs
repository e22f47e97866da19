using System.Text;
using System.Text.Json;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// Reads a <c>GameServerAllocationPolicy</c> object as the Kubernetes API serves it (JSON; in a
/// file, a list of them). What the CRD's schema guarantees (name, priority, weight) throws a
/// <see cref="PolicyFormatException"/> when missing; a connection that cannot be used is kept as
/// the policy's <see cref="AllocationPolicy.Problem"/>, naming the field, so that only its
/// cluster fails and the caller is told why.
/// </summary>
public static class PolicyJson
{
    public const string Group = "multicluster.agones.dev";
    public const string Version = "v1";
    public const string Plural = "gameserverallocationpolicies";
    public const string Kind = "GameServerAllocationPolicy";

    public static AllocationPolicy Read(JsonElement obj, string defaultNamespace = "default")
    {
        var metadata = Child(obj, "metadata");
        var name = Text(metadata, "name");
        if (string.IsNullOrEmpty(name)) throw new PolicyFormatException("metadata.name: required");
        var ns = Text(metadata, "namespace") is { Length: > 0 } given ? given : defaultNamespace;
        var where = $"{Kind} {ns}/{name}";
        var spec = Child(obj, "spec");
        var priority = Number(spec, "priority", where, int.MaxValue);
        var weight = Number(spec, "weight", where, int.MaxValue);
        var labels = Child(metadata, "labels") is { ValueKind: JsonValueKind.Object } l
            ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

        var info = Child(spec, "connectionInfo");
        var problems = new List<string>();
        var endpoints = new List<AllocatorEndpoint>();
        if (Child(info, "allocationEndpoints") is { ValueKind: JsonValueKind.Array } list)
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var text = item.ValueKind == JsonValueKind.String ? item.GetString() ?? "" : item.ToString();
                if (AllocatorEndpoint.Parse(text) is { } endpoint) endpoints.Add(endpoint);
                else problems.Add($"spec.connectionInfo.allocationEndpoints[{i}]: '{text}' is not host[:port]");
                i++;
            }
        }

        var targetNamespace = Text(info, "namespace") ?? "";
        if (!Api.Names.IsDnsLabel(targetNamespace)) problems.Add($"spec.connectionInfo.namespace: '{targetNamespace}' is not a namespace name");
        var serverCa = "";
        if (Text(info, "serverCa") is { Length: > 0 } encoded)
        {
            try
            {
                serverCa = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                problems.Add("spec.connectionInfo.serverCa: not base64 (the PEM bundle, base64-encoded, as the CRD's format: byte)");
            }
        }

        var connection = new ClusterConnection(Text(info, "clusterName") ?? "", endpoints, Text(info, "secretName") ?? "", targetNamespace, serverCa);
        return new AllocationPolicy(ns, name, labels, priority, weight, connection,
            problems.Count == 0 ? null : $"{where}: {string.Join("; ", problems)}");
    }

    /// <summary>Every policy of a <c>GameServerAllocationPolicyList</c> (<c>items</c>) or of a bare JSON array.</summary>
    public static IReadOnlyList<AllocationPolicy> ReadList(JsonElement root)
    {
        var items = root.ValueKind == JsonValueKind.Array ? root
            : root.TryGetProperty("items", out var listed) && listed.ValueKind == JsonValueKind.Array ? listed
            : throw new PolicyFormatException($"expected a {Kind}List (with items) or a JSON array of {Kind} objects");
        var policies = new List<AllocationPolicy>();
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            try
            {
                policies.Add(Read(item));
            }
            catch (PolicyFormatException e)
            {
                throw new PolicyFormatException($"items[{i}]: {e.Message}");
            }

            i++;
        }

        return policies;
    }

    private static int Number(JsonElement spec, string field, string where, int max)
    {
        if (Child(spec, field) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var value) && value >= 0 && value <= max) return (int)value;
        throw new PolicyFormatException($"{where}: spec.{field}: required, a whole number of at least 0");
    }

    private static JsonElement Child(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var child) ? child : default;

    private static string? Text(JsonElement parent, string name) =>
        Child(parent, name) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
}

/// <summary>A policy object that the CRD's schema would not have let through.</summary>
public sealed class PolicyFormatException(string message) : Exception(message);
