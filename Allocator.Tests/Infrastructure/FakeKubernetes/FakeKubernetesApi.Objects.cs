using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>Server-side changes, as the Agones controller or SDK would make them: no preconditions, each one a watch event.</summary>
public sealed partial class FakeKubernetesApi
{
    private static readonly ResourceType GameServerType = ResourceType.GameServers;

    /// <summary>Every GameServer, sorted by namespace and name (copies).</summary>
    public IReadOnlyList<JsonObject> GameServers => _store.List(GameServerType, ObjectFilter.Parse(null, null, null)).Items;

    /// <summary>Creates (ADDED) or replaces (MODIFIED) a GameServer whatever its resourceVersion; returns it as stored.</summary>
    public JsonObject Put(JsonObject gameServer) => _store.Put(GameServerType, gameServer);

    public JsonObject? Get(string ns, string name) => _store.Get(GameServerType, ns, name);

    /// <summary>Removes a GameServer at once, finalizers or not (DELETED).</summary>
    public void Delete(string ns, string name) => _store.Delete(GameServerType, ns, name, precondition: null, force: true);

    /// <summary>Sets metadata.deletionTimestamp without removing the GameServer (MODIFIED).</summary>
    public void MarkDeleting(string ns, string name) => _store.MarkDeleting(GameServerType, ns, name);

    /// <summary>
    /// Edits a GameServer in place (e.g. the SDK lowering its own counter): bumps its resourceVersion and
    /// emits MODIFIED, unless the edit changed nothing. Returns it as stored.
    /// </summary>
    public JsonObject Mutate(string ns, string name, Action<JsonObject> edit) =>
        _store.Update(GameServerType, ns, name, current =>
        {
            edit(current);
            return current;
        });

    /// <summary>Creates a running Pod (as Agones does for each GameServer); returns it as stored.</summary>
    public JsonObject AddPod(string ns, string name, string nodeName = "node-1", IReadOnlyDictionary<string, string>? labels = null) =>
        _store.Create(ResourceType.Pods, ns, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = StringMap(labels) },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = nodeName,
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "game-server", ["image"] = "example/game-server:1" }),
            },
            ["status"] = new JsonObject { ["phase"] = "Running" },
        });

    public JsonObject? GetPod(string ns, string name) => _store.Get(ResourceType.Pods, ns, name);

    /// <summary>Every core/v1 Event clients created, sorted by namespace and name (copies).</summary>
    public IReadOnlyList<JsonObject> Events => _store.List(ResourceType.Events, ObjectFilter.Parse(null, null, null)).Items;

    private static JsonObject StringMap(IReadOnlyDictionary<string, string>? values) =>
        new((values ?? new Dictionary<string, string>()).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
}
