using System.Buffers;
using System.Buffers.Binary;
using Grpc.AspNetCore.Server;
using Grpc.Core;

namespace Allocator.Service.Api;

/// <summary>
/// Refuses a unary gRPC call whose message is over <see cref="Limits.MaxMessageBytes"/> with
/// INVALID_ARGUMENT and a message of its own. grpc-dotnet answers RESOURCE_EXHAUSTED, which
/// is also Agones' "no game server left" (UnAllocated), so a client would read a request it
/// must shrink as a fleet that is full. The length is read from the message's 5-byte prefix
/// and nothing is consumed: grpc-dotnet reads the message as usual (and keeps its own limit
/// for compressed messages that grow past it).
/// </summary>
public sealed class GrpcMessageSizeCheck(RequestDelegate next)
{
    private const int PrefixLength = 5; // compressed flag, then the length as a big-endian uint32

    public async Task InvokeAsync(HttpContext context)
    {
        // Transcoded REST shares the gRPC method's endpoint: only gRPC's own framing is read here.
        var grpc = context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
        if (!grpc || context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { Method.Type: MethodType.Unary })
        {
            await next(context);
            return;
        }

        var length = await DeclaredLengthAsync(context);
        if (length > Limits.MaxMessageBytes)
        {
            // Trailers-only: the status travels in the response headers.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.InvalidArgument).ToString();
            context.Response.Headers["grpc-message"] = $"request: the message is {length:N0} bytes, over the limit of {Limits.MaxMessageBytes:N0}";
            return;
        }

        await next(context);
    }

    /// <summary>The first message's length, or -1 when the body ends before its prefix; the body is left unread.</summary>
    private static async Task<long> DeclaredLengthAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        var result = await reader.ReadAtLeastAsync(PrefixLength, context.RequestAborted);
        var buffer = result.Buffer;
        long length = -1;
        if (buffer.Length >= PrefixLength)
        {
            Span<byte> prefix = stackalloc byte[PrefixLength];
            buffer.Slice(0, PrefixLength).CopyTo(prefix);
            length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        }

        reader.AdvanceTo(buffer.Start);
        return length;
    }
}
