using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// A PATCH body read by its content type as the API server reads it: merge patch, JSON patch, or
/// strategic merge patch (treated as a merge patch; built-in kinds only: a custom resource has no
/// patch strategy, so the API server answers 415). Server-side apply is not served (415).
/// </summary>
internal sealed class PatchDocument
{
    private readonly Func<JsonObject, JsonNode?> _apply;

    private PatchDocument(Func<JsonObject, JsonNode?> apply) => _apply = apply;

    public static PatchDocument Parse(ResourceType type, string? contentType, string body)
    {
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        switch (mediaType)
        {
            case "application/strategic-merge-patch+json" when type.Custom:
                throw ApiStatus.UnsupportedMediaType(contentType, strategic: false);
            case "application/merge-patch+json" or "application/strategic-merge-patch+json":
                var changes = Json(body) as JsonObject ?? throw ApiStatus.BadRequest("merge patch must be a JSON object");
                return new PatchDocument(target => MergePatch.Apply(target, changes));
            case "application/json-patch+json":
                var operations = JsonPatch.Decode(Json(body));
                return new PatchDocument(target => JsonPatch.Apply(target, operations));
            default:
                throw ApiStatus.UnsupportedMediaType(contentType);
        }
    }

    /// <summary>The patched object (<paramref name="current"/> may be changed in place).</summary>
    public JsonObject ApplyTo(JsonObject current) =>
        _apply(current) as JsonObject ?? throw ApiStatus.PatchNotApplicable("the patched document is not a JSON object");

    public static JsonNode? Json(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiStatus.BadRequest($"error decoding request body: {e.Message}");
        }
    }
}
