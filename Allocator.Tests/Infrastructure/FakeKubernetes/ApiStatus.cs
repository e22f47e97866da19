using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The <c>Status</c> objects the API server sends, with its codes, reasons and messages, so the real
/// client raises <c>HttpOperationException</c> (or <c>KubernetesException</c> inside a watch) as it would
/// against a cluster.
/// </summary>
internal static class ApiStatus
{
    public static ApiException NotFound(ResourceType type, string name) =>
        Fail(404, "NotFound", $"{type.QualifiedPlural} \"{name}\" not found", Details(type, name));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        Fail(409, "AlreadyExists", $"{type.QualifiedPlural} \"{name}\" already exists", Details(type, name));

    public static ApiException Conflict(ResourceType type, string name) =>
        Fail(409, "Conflict",
            $"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": the object has been modified; " +
            "please apply your changes to the latest version and try again", Details(type, name));

    public static ApiException Invalid(ResourceType type, string name, string message) =>
        Fail(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {message}", Details(type, name));

    /// <summary>A patch that decodes but cannot be applied (a failed json-patch <c>test</c>, a missing path).</summary>
    public static ApiException PatchNotApplicable(string message) => Fail(422, "Invalid", message);

    public static ApiException BadRequest(string message) => Fail(400, "BadRequest", message);

    public static ApiException UnknownPath() => Fail(404, "NotFound", "the server could not find the requested resource");

    public static ApiException MethodNotAllowed() =>
        Fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiException UnsupportedMediaType(string? contentType, bool strategic = true) =>
        Fail(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format ({contentType}) - accepted media types include: " +
            "application/json-patch+json, application/merge-patch+json" + (strategic ? ", application/strategic-merge-patch+json" : ""));

    /// <summary>The API server's answer when a client is throttled (priority and fairness, max-in-flight).</summary>
    public static JsonObject TooManyRequests(int retryAfterSeconds) =>
        Failure(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later",
            new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds });

    /// <summary>What a watch from a compacted resourceVersion receives as its one ERROR event.</summary>
    public static JsonObject Expired(long requested, long oldest) =>
        Failure(410, "Expired", $"too old resource version: {requested} ({oldest})", new JsonObject());

    public static JsonObject Success(ResourceType type, string name, string? uid)
    {
        var details = Details(type, name);
        if (uid is not null) details["uid"] = uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private static ApiException Fail(int code, string reason, string message, JsonObject? details = null) =>
        new(code, Failure(code, reason, message, details ?? new JsonObject()));

    private static JsonObject Failure(int code, string reason, string message, JsonObject details) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details,
        ["code"] = code,
    };

    private static JsonObject Details(ResourceType type, string name) => new()
    {
        ["name"] = name,
        ["group"] = type.Group,
        ["kind"] = type.Plural,
    };
}
