using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>RFC 7386 JSON merge patch: objects merge key by key, <c>null</c> removes a key, anything else replaces.</summary>
internal static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/>, which it may change in place.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject changes) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }
            var current = result[name];
            var merged = Apply(current, value);
            if (!ReferenceEquals(merged, current)) result[name] = merged;
        }
        return result;
    }
}
