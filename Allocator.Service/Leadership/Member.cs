using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allocator.Service.Leadership;

/// <summary>
/// A replica as it advertises itself in <c>{alloc}:members</c>: its app version, whether it
/// competes for leadership and is ready (not shutting down), its last heartbeat, and how many
/// partitions it leads.
/// </summary>
public sealed record Member(string Replica, string Version, bool Lead, bool Ready, long StartedMs, long HeartbeatMs, long ReadySinceMs = 0, int Leads = 0)
{
    public string ToJson() => JsonSerializer.Serialize(this, MemberJsonContext.Default.Member);

    public static Member? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, MemberJsonContext.Default.Member);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public bool IsLive(long nowMs, TimeSpan timeout) => nowMs - HeartbeatMs <= (long)timeout.TotalMilliseconds;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Member))]
internal sealed partial class MemberJsonContext : JsonSerializerContext;
