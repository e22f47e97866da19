using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// What the API server does to an object's metadata on every write, whoever asks: it owns uid,
/// creationTimestamp, deletionTimestamp, generation and resourceVersion, and a client cannot move an
/// object to another name or namespace.
/// </summary>
internal static class WriteRules
{
    private static readonly string[] ServerOwned = ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"];
    private static readonly HashSet<string> NotSpec = ["apiVersion", "kind", "metadata", "status"];

    public static void OnCreate(JsonObject obj, ResourceType type, string ns, string name, long resourceVersion, DateTimeOffset now)
    {
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        var metadata = ObjectMeta.Of(obj);
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ObjectMeta.Timestamp(now);
        metadata["generation"] = 1;
        metadata["resourceVersion"] = ObjectMeta.Format(resourceVersion);
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        metadata.Remove("generateName");
    }

    /// <summary>
    /// Copies the server-owned fields of <paramref name="stored"/> into <paramref name="next"/> and counts a
    /// new generation when anything outside metadata (and status, for a kind with a status subresource)
    /// changed: without one, as for Agones' GameServer, a status change is a new generation too. The resourceVersion stays the
    /// stored one, so an unchanged object compares equal and is not written (as the API server does).
    /// </summary>
    public static void CarryServerFields(ResourceType type, JsonObject stored, JsonObject next)
    {
        next["apiVersion"] = stored["apiVersion"]?.DeepClone();
        next["kind"] = stored["kind"]?.DeepClone();
        var before = ObjectMeta.Of(stored);
        var after = ObjectMeta.Of(next);
        foreach (var field in ServerOwned)
        {
            if (before[field] is { } value) after[field] = value.DeepClone();
            else after.Remove(field);
        }
        var generation = ObjectMeta.Generation(stored);
        after["generation"] = SpecEquals(stored, next, type.StatusSubresource) ? generation : generation + 1;
        after["resourceVersion"] = ObjectMeta.ResourceVersion(stored);
    }

    /// <summary>The API server's limit on all annotations of one object, keys and values together.</summary>
    public const int MaxAnnotationBytes = 256 * 1024;

    /// <summary>Object-meta validation every write gets (apimachinery's annotation size rule).</summary>
    public static void Validate(JsonObject obj, ResourceType type, string name)
    {
        var annotations = ObjectMeta.Of(obj)["annotations"] as JsonObject;
        var bytes = annotations?.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Key) + System.Text.Encoding.UTF8.GetByteCount((string?)a.Value ?? "")) ?? 0;
        if (bytes > MaxAnnotationBytes)
        {
            throw ApiStatus.Invalid(type, name, $"metadata.annotations: Too long: must have at most {MaxAnnotationBytes} bytes");
        }
    }

    public static void Stamp(JsonObject obj, long resourceVersion) =>
        ObjectMeta.Of(obj)["resourceVersion"] = ObjectMeta.Format(resourceVersion);

    private static bool SpecEquals(JsonObject a, JsonObject b, bool statusApart)
    {
        var keys = a.Select(p => p.Key).Union(b.Select(p => p.Key)).Where(k => !NotSpec.Contains(k) || (k == "status" && !statusApart));
        return keys.All(key => JsonNode.DeepEquals(a[key], b[key]));
    }
}
