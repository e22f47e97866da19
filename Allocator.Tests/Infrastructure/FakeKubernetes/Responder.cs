using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Runs one non-streaming request: reads the body, lets a handler answer (or throw an
/// <see cref="ApiException"/>, sent as its Status), writes JSON, and counts the reply.
/// </summary>
internal sealed class Responder(ApiCounters counters)
{
    public async Task RespondAsync(HttpContext context, Func<string, (int Status, JsonNode Body)> handle)
    {
        var request = context.Request;
        var body = HttpMethods.IsGet(request.Method) ? "" : await new StreamReader(request.Body).ReadToEndAsync(context.RequestAborted);
        var (status, reply) = Run(handle, body);
        counters.OnReply(request.Method, request.Path, request.ContentType ?? "", body, status);
        await WriteAsync(context, status, reply);
    }

    public static async Task WriteAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(WireJson.Text(body), context.RequestAborted);
    }

    /// <summary>The request body as a JSON object, or a 400 like the API server's decoding error.</summary>
    public static JsonObject ParseObject(string body) =>
        PatchDocument.Json(body) as JsonObject ?? throw ApiStatus.BadRequest("the request body must be a JSON object");

    private static (int, JsonNode) Run(Func<string, (int, JsonNode)> handle, string body)
    {
        try
        {
            return handle(body);
        }
        catch (ApiException e)
        {
            return (e.Code, e.Status);
        }
    }
}
