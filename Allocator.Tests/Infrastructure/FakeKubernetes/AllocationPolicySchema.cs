using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The structural checks of Agones' GameServerAllocationPolicy CRD
/// (<c>install/helm/agones/templates/crds/gameserverallocationpolicy.yaml</c>): <c>spec.priority</c> and
/// <c>spec.weight</c> required whole numbers of at least 0, <c>connectionInfo.namespace</c> required,
/// <c>allocationEndpoints</c> at least one item when given, <c>serverCa</c> base64. A violation is the
/// API server's 422 Invalid, naming the field as it does.
/// </summary>
internal static class AllocationPolicySchema
{
    public static void Validate(JsonObject policy, string name)
    {
        var problems = Problems(policy["spec"] as JsonObject).ToList();
        if (problems.Count > 0) throw ApiStatus.Invalid(ResourceType.AllocationPolicies, name, string.Join(", ", problems));
    }

    private static IEnumerable<string> Problems(JsonObject? spec)
    {
        foreach (var field in new[] { "priority", "weight" })
        {
            var value = spec?[field];
            if (value is null) yield return $"spec.{field}: Required value";
            else if (value.GetValueKind() != JsonValueKind.Number || !value.AsValue().TryGetValue<long>(out var number))
                yield return $"spec.{field}: Invalid value: {value.ToJsonString()}: spec.{field} in body must be of type integer";
            else if (number < 0) yield return $"spec.{field}: Invalid value: {number}: spec.{field} in body should be greater than or equal to 0";
        }

        if (spec?["connectionInfo"] is not JsonObject info) yield break;
        if (info["namespace"] is null) yield return "spec.connectionInfo.namespace: Required value";
        if (info["allocationEndpoints"] is JsonArray { Count: 0 }) yield return "spec.connectionInfo.allocationEndpoints: Invalid value: 0: spec.connectionInfo.allocationEndpoints in body should have at least 1 items";
        if (info["serverCa"] is { } ca && (ca.GetValueKind() != JsonValueKind.String || !IsBase64((string)ca!)))
            yield return "spec.connectionInfo.serverCa: Invalid value: \"string\": spec.connectionInfo.serverCa in body must be of type byte";
    }

    private static bool IsBase64(string text) => Convert.TryFromBase64String(text, new byte[text.Length], out _);
}
