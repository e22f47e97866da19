using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>Reads and writes the <c>metadata</c> fields the fake understands; everything else stays opaque JSON.</summary>
internal static class ObjectMeta
{
    public static JsonObject Of(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata) return metadata;
        metadata = new JsonObject();
        obj["metadata"] = metadata;
        return metadata;
    }

    public static string? Name(JsonObject obj) => Text(obj, "name");

    public static string? Namespace(JsonObject obj) => Text(obj, "namespace");

    public static string? ResourceVersion(JsonObject obj) => Text(obj, "resourceVersion");

    public static bool IsDeleting(JsonObject obj) => Text(obj, "deletionTimestamp") is not null;

    public static bool HasFinalizers(JsonObject obj) => (obj["metadata"] as JsonObject)?["finalizers"] is JsonArray { Count: > 0 };

    public static long Generation(JsonObject obj) =>
        (obj["metadata"] as JsonObject)?["generation"] is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? long.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)
            : 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if ((obj["metadata"] as JsonObject)?["labels"] is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var text)) labels[key] = text;
            }
        }
        return labels;
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Format(long resourceVersion) => resourceVersion.ToString(CultureInfo.InvariantCulture);

    private static string? Text(JsonObject obj, string field) =>
        (obj["metadata"] as JsonObject)?[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
