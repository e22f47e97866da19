using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>A failed request: the HTTP code and the <c>Status</c> object the API server answers with.</summary>
internal sealed class ApiException(int code, JsonObject status)
    : Exception((string?)status["message"] ?? $"HTTP {code}")
{
    public int Code { get; } = code;

    public JsonObject Status { get; } = status;
}
