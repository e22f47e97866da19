using System.Buffers.Binary;
using Allocation.V1;
using Allocator.Service.Api;
using Google.Protobuf;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service grpc-body --out FILE [--kind allocate|invalid|health] [--fleet F] [--counter C]</c>:
/// writes one gRPC-framed request message (flag byte, 4-byte length, protobuf), the body an
/// HTTP/2 load generator such as h2load sends as a unary call.
/// </summary>
public static class GrpcBodyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = CommandLine.Parse(args);
        var output = o.Get("out", "");
        if (output.Length == 0)
        {
            Console.Error.WriteLine("grpc-body: --out FILE is required");
            return 2;
        }

        IMessage message = o.Get("kind", "allocate") switch
        {
            "allocate" => SessionRequests.HighDensity(o.Get("fleet", "bench"), o.Get("counter", "rooms")),
            // Refused by validation (a negative count), so it measures the front alone.
            "invalid" => Invalid(SessionRequests.HighDensity(o.Get("fleet", "bench"), o.Get("counter", "rooms"))),
            "health" => new Grpc.Health.V1.HealthCheckRequest(),
            var other => throw new ArgumentException($"unknown --kind '{other}' (allocate, invalid, health)"),
        };

        var payload = message.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        await File.WriteAllBytesAsync(output, frame);
        return 0;
    }

    private static AllocationRequest Invalid(AllocationRequest request)
    {
        request.Counters.Values.First().Amount = -1;
        return request;
    }
}
