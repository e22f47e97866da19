using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// RFC 6902 JSON patch (add, remove, replace, move, copy, test) over RFC 6901 pointers. A malformed
/// patch is a 400; one that does not apply (missing path, failed <c>test</c>) is a 422, as the API
/// server answers.
/// </summary>
internal static class JsonPatch
{
    private static readonly HashSet<string> Operations = ["add", "remove", "replace", "move", "copy", "test"];

    public static JsonArray Decode(JsonNode? body)
    {
        if (body is not JsonArray operations) throw ApiStatus.BadRequest("json patch must be an array of operations");
        foreach (var node in operations)
        {
            if (node is not JsonObject op || Text(op, "op") is not { } name || !Operations.Contains(name) || Text(op, "path") is null)
                throw ApiStatus.BadRequest($"invalid json patch operation: {node?.ToJsonString()}");
            if (name is "add" or "replace" or "test" && !op.ContainsKey("value"))
                throw ApiStatus.BadRequest($"json patch operation '{name}' needs a value");
            if (name is "move" or "copy" && Text(op, "from") is null)
                throw ApiStatus.BadRequest($"json patch operation '{name}' needs from");
            _ = Pointer(Text(op, "path")!);
            if (Text(op, "from") is { } from) _ = Pointer(from);
        }
        return operations;
    }

    /// <summary>Applies decoded <paramref name="operations"/> to <paramref name="document"/>, which it may change in place.</summary>
    public static JsonNode? Apply(JsonNode? document, JsonArray operations)
    {
        foreach (var op in operations.Cast<JsonObject>())
        {
            var path = Pointer(Text(op, "path")!);
            document = Text(op, "op") switch
            {
                "add" => Add(document, path, op["value"]?.DeepClone()),
                "remove" => Remove(document, path).Document,
                "replace" => Add(Remove(document, path).Document, path, op["value"]?.DeepClone()),
                "move" => Move(document, Pointer(Text(op, "from")!), path),
                "copy" => Add(document, path, Resolve(document, Pointer(Text(op, "from")!))?.DeepClone()),
                _ => Test(document, path, op["value"]),
            };
        }
        return document;
    }

    private static JsonNode? Move(JsonNode? document, string[] from, string[] path)
    {
        var (rest, value) = Remove(document, from);
        return Add(rest, path, value);
    }

    private static JsonNode? Test(JsonNode? document, string[] path, JsonNode? expected) =>
        JsonNode.DeepEquals(Resolve(document, path), expected)
            ? document
            : throw ApiStatus.PatchNotApplicable($"testing value /{string.Join('/', path)} failed");

    private static JsonNode? Add(JsonNode? document, string[] path, JsonNode? value)
    {
        if (path.Length == 0) return value;
        var parent = Resolve(document, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array:
                array.Insert(Index(array, last, allowEnd: true), value);
                break;
            default:
                throw Missing(path);
        }
        return document;
    }

    /// <summary>Removes the node at <paramref name="path"/>; returns the document and the detached node.</summary>
    private static (JsonNode? Document, JsonNode? Removed) Remove(JsonNode? document, string[] path)
    {
        if (path.Length == 0) return (null, document);
        var parent = Resolve(document, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var value):
                obj.Remove(last);
                return (document, value);
            case JsonArray array:
                var index = Index(array, last, allowEnd: false);
                var item = array[index];
                array.RemoveAt(index);
                return (document, item);
            default:
                throw Missing(path);
        }
    }

    private static JsonNode? Resolve(JsonNode? document, string[] path)
    {
        var node = document;
        foreach (var token in path)
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array => array[Index(array, token, allowEnd: false)],
                _ => throw Missing(path),
            };
        }
        return node;
    }

    private static int Index(JsonArray array, string token, bool allowEnd)
    {
        var valid = token.Length > 0 && token.All(char.IsAsciiDigit) && (token == "0" || token[0] != '0');
        if (!valid || !int.TryParse(token, out var index) || index > array.Count || (!allowEnd && index == array.Count))
            throw ApiStatus.PatchNotApplicable($"array index {token} out of bounds (length {array.Count})");
        return index;
    }

    private static string[] Pointer(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw ApiStatus.BadRequest($"invalid json pointer \"{pointer}\"");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static ApiException Missing(string[] path) =>
        ApiStatus.PatchNotApplicable($"doc is missing path: \"/{string.Join('/', path)}\"");

    private static string? Text(JsonObject op, string field) =>
        op[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
