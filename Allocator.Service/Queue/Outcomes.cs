using Allocator.Queue.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Allocator.Service.Queue;

/// <summary>Builds and converts the final answers carried through Redis.</summary>
public static class Outcomes
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static Outcome Error(StatusCode code, string message) => new() { Code = (int)code, Message = message };

    public static string ToJson(Outcome outcome) => JsonFormatter.Default.Format(outcome);

    public static Outcome FromJson(string json) => Parser.Parse<Outcome>(json);

    /// <summary>Throws the outcome's error as an <see cref="RpcException"/> unless it is OK.</summary>
    public static Outcome ThrowIfError(this Outcome outcome)
    {
        if (outcome.Code != (int)StatusCode.OK)
        {
            throw new RpcException(new Status((StatusCode)outcome.Code, outcome.Message));
        }

        return outcome;
    }
}
