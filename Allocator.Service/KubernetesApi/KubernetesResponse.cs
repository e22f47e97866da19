using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allocator.Service.KubernetesApi;

/// <summary>Writes and reads this API's JSON as Kubernetes does: camelCase, nulls left out.</summary>
public static class KubernetesResponse
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Field names match exactly, as the API server's decoder does (unknown ones are dropped).
        PropertyNameCaseInsensitive = false,
        NumberHandling = JsonNumberHandling.Strict,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task WriteAsync(HttpContext context, int status, object body, Representation representation = Representation.Json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = MediaTypes.ContentType(representation);
        if (body is KubernetesStatus { Details.RetryAfterSeconds: > 0 } throttled)
        {
            context.Response.Headers.RetryAfter = throttled.Details.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await JsonSerializer.SerializeAsync(context.Response.Body, body, body.GetType(), Json, context.RequestAborted);
    }
}
