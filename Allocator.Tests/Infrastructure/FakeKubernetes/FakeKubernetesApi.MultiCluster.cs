using System.Text;
using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>Multi-cluster allocation's objects: Agones GameServerAllocationPolicies and the Secrets holding client certificates.</summary>
public sealed partial class FakeKubernetesApi
{
    /// <summary>Creates (ADDED) or replaces (MODIFIED) a GameServerAllocationPolicy, checked against the CRD's schema; returns it as stored.</summary>
    public JsonObject PutPolicy(JsonObject policy) => _store.Put(ResourceType.AllocationPolicies, policy);

    public void DeletePolicy(string ns, string name) => _store.Delete(ResourceType.AllocationPolicies, ns, name, precondition: null, force: true);

    /// <summary>Creates or replaces an Opaque Secret; <paramref name="data"/> is stored base64-encoded, as the API server serves it.</summary>
    public JsonObject PutSecret(string ns, string name, IReadOnlyDictionary<string, string> data) =>
        _store.Put(ResourceType.Secrets, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["type"] = "Opaque",
            ["data"] = new JsonObject(data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value))))),
        });

    /// <summary>A <c>multicluster.agones.dev/v1</c> GameServerAllocationPolicy as Agones' CRD defines it; no endpoints means this cluster.</summary>
    public static JsonObject AllocationPolicy(string ns, string name, int priority, int weight, string clusterName, IEnumerable<string>? endpoints = null,
        string secretName = "", string targetNamespace = "default", IReadOnlyDictionary<string, string>? labels = null, string? serverCa = null)
    {
        var info = new JsonObject { ["clusterName"] = clusterName, ["secretName"] = secretName, ["namespace"] = targetNamespace };
        if (endpoints is not null) info["allocationEndpoints"] = new JsonArray([.. endpoints.Select(e => (JsonNode?)e)]);
        if (serverCa is not null) info["serverCa"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(serverCa));
        return new JsonObject
        {
            ["apiVersion"] = "multicluster.agones.dev/v1",
            ["kind"] = "GameServerAllocationPolicy",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = StringMap(labels) },
            ["spec"] = new JsonObject { ["priority"] = priority, ["weight"] = weight, ["connectionInfo"] = info },
        };
    }
}
