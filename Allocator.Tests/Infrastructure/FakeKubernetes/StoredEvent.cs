using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// One change in the store's history. <see cref="Previous"/> is the object before a MODIFIED (so a
/// filtered watch can turn it into ADDED or DELETED when the object enters or leaves its selection);
/// <see cref="ObjectJson"/> is <see cref="Current"/> serialized once, as every watch sends it.
/// </summary>
internal sealed record StoredEvent(long ResourceVersion, string Type, ResourceType Resource, JsonObject? Previous, JsonObject Current)
{
    public string ObjectJson { get; } = WireJson.Text(Current);
}
