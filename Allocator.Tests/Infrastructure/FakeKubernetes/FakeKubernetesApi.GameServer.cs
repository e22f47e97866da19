using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// GameServer JSON shaped the way Agones writes it (<c>pkg/apis/agones/v1/gameserver.go</c>): initial
/// counters and lists in <c>spec</c>, live ones in <c>status</c>, node addresses and allocated ports
/// in <c>status</c>, and the nulls Agones leaves in place (<c>reservedUntil</c>, <c>players</c>).
/// </summary>
public sealed partial class FakeKubernetesApi
{
    /// <summary>A GameServer ready to <see cref="Put"/>. Ports default to one named "default" on 7000.</summary>
    public static JsonObject GameServer(
        string ns,
        string name,
        string state = "Ready",
        IReadOnlyDictionary<string, string>? labels = null,
        IReadOnlyDictionary<string, (long Count, long Capacity)>? counters = null,
        IReadOnlyDictionary<string, (long Capacity, IReadOnlyList<string> Values)>? lists = null,
        string nodeName = "node-1",
        string address = "10.0.0.1",
        IReadOnlyList<(string Name, int Port)>? ports = null,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        ports ??= [("default", 7000)];
        return new JsonObject
        {
            ["apiVersion"] = "agones.dev/v1",
            ["kind"] = "GameServer",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = StringMap(labels),
                ["annotations"] = StringMap(annotations),
            },
            ["spec"] = new JsonObject
            {
                ["container"] = "game-server",
                ["ports"] = new JsonArray([.. ports.Select(p => SpecPort(p.Name, p.Port))]),
                ["counters"] = Counters(counters),
                ["lists"] = Lists(lists),
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = "game-server", ["image"] = "example/game-server:1" }),
                    },
                },
            },
            ["status"] = new JsonObject
            {
                ["state"] = state,
                ["ports"] = new JsonArray([.. ports.Select(p => new JsonObject { ["name"] = p.Name, ["port"] = p.Port })]),
                ["address"] = address,
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = address }),
                ["nodeName"] = nodeName,
                ["reservedUntil"] = null,
                ["players"] = null,
                ["counters"] = Counters(counters),
                ["lists"] = Lists(lists),
            },
        };
    }

    private static JsonObject SpecPort(string name, int port) => new()
    {
        ["name"] = name,
        ["portPolicy"] = "Static",
        ["containerPort"] = port,
        ["hostPort"] = port,
        ["protocol"] = "UDP",
    };

    private static JsonObject Counters(IReadOnlyDictionary<string, (long Count, long Capacity)>? counters) =>
        new((counters ?? new Dictionary<string, (long, long)>()).Select(c => KeyValuePair.Create(c.Key,
            (JsonNode?)new JsonObject { ["count"] = c.Value.Count, ["capacity"] = c.Value.Capacity })));

    private static JsonObject Lists(IReadOnlyDictionary<string, (long Capacity, IReadOnlyList<string> Values)>? lists) =>
        new((lists ?? new Dictionary<string, (long, IReadOnlyList<string>)>()).Select(l => KeyValuePair.Create(l.Key,
            (JsonNode?)new JsonObject
            {
                ["capacity"] = l.Value.Capacity,
                ["values"] = new JsonArray([.. l.Value.Values.Select(v => (JsonNode?)v)]),
            })));
}
