using System.Text.Json;
using Allocation.V1;
using Grpc.Core;

namespace Allocator.Service.Api;

/// <summary>
/// Reads the body of <c>POST /gameserverallocation</c> before JSON transcoding does: 413 when
/// it is over <see cref="Limits.MaxMessageBytes"/>, 400 naming the field when a value cannot
/// become its field (<see cref="JsonFieldCheck"/>), and an empty body is the empty request, as
/// Agones' gateway takes it. Errors have transcoding's shape, <c>{"code": 3, "message": ...}</c>.
/// </summary>
public sealed class RestBodyCheck(RequestDelegate next)
{
    public const string Path = "/gameserverallocation";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != Path)
        {
            await next(context);
            return;
        }

        var body = await ReadAsync(context.Request);
        if (body is null)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"request body: over the limit of {Limits.MaxMessageBytes:N0} bytes");
            return;
        }

        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty) body = "{}"u8.ToArray();
        var problem = JsonFieldCheck.Problem(body, AllocationRequest.Descriptor);
        if (problem is not null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, problem);
            return;
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.ContentLength = body.Length;
        await next(context);
    }

    /// <summary>The whole body, or null when it is larger than the limit.</summary>
    private static async Task<byte[]?> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > Limits.MaxMessageBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > Limits.MaxMessageBytes) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null; // Kestrel's own limit (the same size) came first
        }

        return buffer.ToArray();
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        // The rest of an oversized body is not read: the connection cannot carry another request.
        if (status == StatusCodes.Status413PayloadTooLarge) context.Response.Headers.Connection = "close";
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, new { code = (int)StatusCode.InvalidArgument, message }, Json, context.RequestAborted);
    }

    /// <summary>Quotes in messages stay quotes, as transcoding writes them.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
