using System.Text.Json;
using System.Text.Json.Serialization;
using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// One committed batch's write-back, an entry of <c>{prefix}:outbox</c>: per game server the
/// coalesced change, and the answers held until Kubernetes has it (a Ready server being
/// allocated, or every allocation when write-behind is off).
/// </summary>
public sealed record OutboxEntry(string Id, long AtUnixMs, List<OutboxChange> Changes)
{
    public const string AtField = "at";
    public const string ChangesField = "changes";

    public string ChangesJson => JsonSerializer.Serialize(Changes, OutboxJsonContext.Default.ListOutboxChange);

    public static OutboxEntry Read(string id, long atUnixMs, string changesJson) =>
        new(id, atUnixMs, JsonSerializer.Deserialize(changesJson, OutboxJsonContext.Default.ListOutboxChange) ?? []);

    public static List<OutboxEntry> ReadAll(IEnumerable<StackExchange.Redis.StreamEntry> entries) =>
        [.. entries.Select(e => Read(e.Id!, (long)e[AtField], (string)e[ChangesField]!))];
}

/// <param name="ActionErrors">Counter or list actions of these allocations that did nothing (no such counter or list on the server): recorded as Events once the change lands.</param>
public sealed record OutboxChange(string Key, ServerDelta Delta, List<HeldAnswer> Holds, List<ActionError>? ActionErrors = null);

/// <summary>An allocation's counter or list action that found nothing to act on, as Agones reports it (<c>CounterActionError</c>, <c>ListActionError</c>).</summary>
public sealed record ActionError(string Reason, string Message);

/// <summary>
/// An answer waiting for Kubernetes, with the request it answers: when its game server is gone
/// before the write-back, the request is queued again (same id, same caller) and decided anew.
/// </summary>
public sealed record HeldAnswer(string RequestId, string Replica, long Deadline, string TraceParent, string Request, string Outcome);

/// <summary>
/// Outbox entry ids are <c>epoch-sequence</c>, chosen by the leader (a valid, ever-growing stream
/// id: epochs only grow), so a game server's pending changes and the annotation Kubernetes
/// keeps of the last one applied compare in commit order. The annotation also names the fleet
/// (a random id kept in Redis): if Redis lost its data, epochs start again, and the marks of the
/// old fleet must not pass for new entries already applied.
/// </summary>
public static class OutboxId
{
    /// <summary>The annotation on a GameServer: <c>fleet:epoch-sequence</c> of the last outbox entry applied to it.</summary>
    public const string Annotation = "allocator.dev/outbox-id";

    public static string Of(long epoch, long sequence) => $"{epoch}-{sequence}";

    /// <summary>The annotation value for entry <paramref name="id"/> of <paramref name="fleet"/>.</summary>
    public static string Mark(string fleet, string id) => fleet + ":" + id;

    /// <summary>The last entry of <paramref name="fleet"/> applied to the server, by its annotation; null for none (or another fleet's).</summary>
    public static string? AppliedTo(GameServer server, string fleet) =>
        server.Annotations.GetValueOrDefault(Annotation) is { } mark && mark.Length > fleet.Length + 1 && mark.StartsWith(fleet + ":", StringComparison.Ordinal)
            ? mark[(fleet.Length + 1)..]
            : null;

    /// <summary>Orders two ids; a missing or unreadable id is older than any.</summary>
    public static int Compare(string? a, string? b) => Parse(a).CompareTo(Parse(b));

    public static readonly IComparer<string?> Comparer = Comparer<string?>.Create(Compare);

    private static (long, long) Parse(string? id)
    {
        var dash = id?.IndexOf('-') ?? -1;
        return dash > 0 && long.TryParse(id.AsSpan(0, dash), out var epoch) && long.TryParse(id.AsSpan(dash + 1), out var seq) ? (epoch, seq) : (-1, -1);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<OutboxChange>))]
internal sealed partial class OutboxJsonContext : JsonSerializerContext;
