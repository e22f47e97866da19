using System.Text.Json.Serialization;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The <c>meta.k8s.io</c> <c>Status</c> object an API server answers errors with, so kubectl
/// and client-go report them as they report the API server's own (reason, code, causes).
/// </summary>
public sealed record KubernetesStatus(
    [property: JsonPropertyOrder(1)] string Message,
    [property: JsonPropertyOrder(2)] string Reason,
    [property: JsonPropertyOrder(4)] int Code,
    [property: JsonPropertyOrder(3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] StatusDetails? Details = null)
{
    // The API server's field order: kind, apiVersion, metadata, status, message, reason, details, code.
    [JsonPropertyOrder(-4)] public string Kind => "Status";
    [JsonPropertyOrder(-3)] public string ApiVersion => "v1";
    [JsonPropertyOrder(-2)] public Dictionary<string, string> Metadata { get; } = [];
    [JsonPropertyOrder(-1)] public string Status => "Failure";

    public static KubernetesStatus BadRequest(string message) => new(message, "BadRequest", 400);

    public static KubernetesStatus Unauthorized(string message) => new(message, "Unauthorized", 401);

    public static KubernetesStatus Forbidden(string user, string ns) =>
        new($"{AllocationResource.QualifiedName} is forbidden: User \"{user}\" cannot create resource \"{AllocationResource.Plural}\" in API group \"{AllocationResource.Group}\" in the namespace \"{ns}\"",
            "Forbidden", 403, new StatusDetails { Group = AllocationResource.Group, Kind = AllocationResource.Plural });

    public static KubernetesStatus NotFound() => new("the server could not find the requested resource", "NotFound", 404);

    public static KubernetesStatus MethodNotAllowed() => new("the server does not allow this method on the requested resource", "MethodNotAllowed", 405);

    public static KubernetesStatus NotAcceptable(string accepted) => new($"only the following media types are accepted: {accepted}", "NotAcceptable", 406);

    public static KubernetesStatus UnsupportedMediaType(string? contentType) =>
        new($"the body of the request was in an unknown format ({contentType}) - accepted media types include: application/json", "UnsupportedMediaType", 415);

    /// <summary>422 as the API server writes a validation failure: the object named, every field in the causes.</summary>
    public static KubernetesStatus Invalid(string name, IReadOnlyList<StatusCause> causes) =>
        new($"{AllocationResource.Kind}.{AllocationResource.Group} \"{name}\" is invalid: " + (causes.Count == 1 ? Describe(causes[0]) : $"[{string.Join(", ", causes.Select(Describe))}]"),
            "Invalid", 422, new StatusDetails { Name = name, Group = AllocationResource.Group, Kind = AllocationResource.Kind, Causes = [.. causes] });

    public static KubernetesStatus TooManyRequests(string message, int retryAfterSeconds) =>
        new(message, "TooManyRequests", 429, new StatusDetails { RetryAfterSeconds = retryAfterSeconds });

    private static string Describe(StatusCause cause) => $"{cause.Field}: {cause.Message}";
}

public sealed class StatusDetails
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Group { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Kind { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<StatusCause>? Causes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int RetryAfterSeconds { get; init; }
}

/// <param name="Reason">Kubernetes' cause type: <c>FieldValueInvalid</c>, <c>FieldValueNotSupported</c>, <c>FieldValueRequired</c>.</param>
public sealed record StatusCause(string Reason, string Message, string Field)
{
    public static StatusCause Invalid(string field, string message) => new("FieldValueInvalid", "Invalid value: " + message, field);

    public static StatusCause NotSupported(string field, string? value, params string[] supported) =>
        new("FieldValueNotSupported", $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => $"\"{s}\""))}", field);
}
