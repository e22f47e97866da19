using System.Text;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Builds a <c>...List</c> response, paged by <c>limit</c>/<c>continue</c>. Every page carries the
/// resourceVersion of the first one (as the API server's consistent pages do), so a watch from it
/// replays whatever changed while the pages were read.
/// </summary>
internal static class ListPages
{
    public static JsonObject Build(ResourceType type, IReadOnlyList<JsonObject> sorted, long resourceVersion, ListQuery query)
    {
        var (listVersion, after) = query.Continue is { } token ? Decode(token) : (resourceVersion, null);
        var remaining = sorted.Where(o => after is null || string.CompareOrdinal(Key(o), after) > 0).ToList();
        var page = query.Limit is { } limit ? remaining.Take(limit).ToList() : remaining;
        var metadata = new JsonObject { ["resourceVersion"] = ObjectMeta.Format(listVersion) };
        if (page.Count < remaining.Count)
        {
            metadata["continue"] = Encode(listVersion, Key(page[^1]));
            metadata["remainingItemCount"] = remaining.Count - page.Count;
        }
        return new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.ListKind,
            ["metadata"] = metadata,
            ["items"] = new JsonArray([.. page]),
        };
    }

    private static string Key(JsonObject obj) => $"{ObjectMeta.Namespace(obj)}/{ObjectMeta.Name(obj)}";

    private static string Encode(long resourceVersion, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{resourceVersion}|{lastKey}"));

    private static (long, string?) Decode(string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|', 2);
            return (long.Parse(parts[0]), parts[1]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw ApiStatus.BadRequest("continue key is not valid");
        }
    }
}
