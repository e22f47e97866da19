using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// JSON as the fake stores and sends it. Text is escaped like the API server's (a quote is <c>\"</c>, not
/// <c>\u0022</c>), and stored objects are re-read from text so every number reads as any numeric type.
/// </summary>
internal static class WireJson
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Text(JsonNode node) => node.ToJsonString(Options);

    /// <summary>A detached copy backed by parsed text (not by the CLR values a test may have set).</summary>
    public static JsonObject Copy(JsonObject obj) => (JsonObject)JsonNode.Parse(Text(obj))!;
}
