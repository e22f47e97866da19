using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// <c>/.../namespaces/{ns}/{plural}/{name}</c> and its <c>/status</c> subresource: GET, PATCH, PUT and
/// DELETE with the API server's optimistic concurrency (a resourceVersion that is not the stored one is
/// a 409). Through <c>/status</c> only the <c>status</c> stanza changes.
/// </summary>
internal sealed class ItemEndpoint(ResourceType type, ResourceStore store, Responder responder)
{
    public Task HandleAsync(HttpContext context, string ns, string name, bool statusOnly) =>
        responder.RespondAsync(context, body => context.Request.Method switch
        {
            "GET" => (StatusCodes.Status200OK, store.Get(type, ns, name) ?? throw ApiStatus.NotFound(type, name)),
            "PATCH" => (StatusCodes.Status200OK, Patch(ns, name, statusOnly, context.Request.ContentType, body)),
            "PUT" => (StatusCodes.Status200OK, Replace(ns, name, statusOnly, body)),
            "DELETE" when !statusOnly => Delete(ns, name, body),
            _ => throw ApiStatus.MethodNotAllowed(),
        });

    private JsonObject Patch(string ns, string name, bool statusOnly, string? contentType, string body)
    {
        var patch = PatchDocument.Parse(type, contentType, body);
        return store.Update(type, ns, name, current =>
        {
            var storedVersion = ObjectMeta.ResourceVersion(current);
            var original = statusOnly ? (JsonObject)current.DeepClone() : null;
            var patched = patch.ApplyTo(current);
            CheckIdentity(patched, ns, name);
            // The patched object's resourceVersion is the precondition: one the patch set must match.
            if (ObjectMeta.ResourceVersion(patched) is { } version && version != storedVersion) throw ApiStatus.Conflict(type, name);
            return original is null ? patched : WithStatusOf(original, patched);
        });
    }

    private JsonObject Replace(string ns, string name, bool statusOnly, string body)
    {
        var proposed = Responder.ParseObject(body);
        CheckIdentity(proposed, ns, name);
        return store.Update(type, ns, name, current =>
        {
            var version = ObjectMeta.ResourceVersion(proposed)
                ?? throw ApiStatus.Invalid(type, name, "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
            if (version != ObjectMeta.ResourceVersion(current)) throw ApiStatus.Conflict(type, name);
            return statusOnly ? WithStatusOf(current, proposed) : proposed;
        });
    }

    private (int, JsonNode) Delete(string ns, string name, string body)
    {
        var precondition = body.Length == 0 ? null
            : (string?)(Responder.ParseObject(body)["preconditions"] as JsonObject)?["resourceVersion"];
        var (obj, gone) = store.Delete(type, ns, name, precondition, force: false);
        return gone
            ? (StatusCodes.Status200OK, ApiStatus.Success(type, name, (string?)ObjectMeta.Of(obj)["uid"]))
            : (StatusCodes.Status202Accepted, obj);
    }

    /// <summary>The stored object with only its status taken from <paramref name="source"/>.</summary>
    private static JsonObject WithStatusOf(JsonObject current, JsonObject source)
    {
        if (source["status"] is { } status) current["status"] = status.DeepClone();
        else current.Remove("status");
        return current;
    }

    private void CheckIdentity(JsonObject obj, string ns, string name)
    {
        if (ObjectMeta.Name(obj) is { } given && given != name)
            throw ApiStatus.BadRequest($"the name of the object ({given}) does not match the name on the URL ({name})");
        if (ObjectMeta.Namespace(obj) is { } givenNs && givenNs != ns)
            throw ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
}
