using System.Text.Json.Nodes;
using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// The JSON merge patch that writes one game server's coalesced allocations back: only the
/// fields they touched (state, labels, annotations, status counters and lists, with their new
/// values computed on the object as just read), the outbox id of the last change it carries,
/// and the resourceVersion it was computed on, which makes the API server refuse it (409) if
/// anything changed the object since.
/// </summary>
public static class GameServerPatch
{
    /// <param name="updated">The object as read, with <paramref name="delta"/> applied.</param>
    /// <param name="stateChanged">Whether applying it changed the state (Ready to Allocated).</param>
    public static string Build(GameServer updated, ServerDelta delta, string outboxId, string resourceVersion, bool stateChanged)
    {
        var annotations = new JsonObject();
        foreach (var key in delta.Annotations.Keys) annotations[key] = updated.Annotations[key];
        annotations[OutboxId.Annotation] = outboxId;

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion, ["annotations"] = annotations };
        if (delta.Labels.Count > 0)
        {
            metadata["labels"] = new JsonObject(delta.Labels.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)updated.Labels[k])));
        }

        var status = new JsonObject();
        if (stateChanged) status["state"] = updated.State;
        var counters = new JsonObject();
        foreach (var key in delta.Counters.Keys.Where(updated.Counters.ContainsKey))
        {
            var counter = updated.Counters[key];
            counters[key] = new JsonObject { ["count"] = counter.Count, ["capacity"] = counter.Capacity };
        }

        var lists = new JsonObject();
        foreach (var key in delta.Lists.Keys.Where(updated.Lists.ContainsKey))
        {
            var list = updated.Lists[key];
            lists[key] = new JsonObject { ["capacity"] = list.Capacity, ["values"] = new JsonArray([.. list.Values.Select(v => (JsonNode?)v)]) };
        }

        if (counters.Count > 0) status["counters"] = counters;
        if (lists.Count > 0) status["lists"] = lists;

        var patch = new JsonObject { ["metadata"] = metadata };
        if (status.Count > 0) patch["status"] = status;
        return patch.ToJsonString();
    }
}
