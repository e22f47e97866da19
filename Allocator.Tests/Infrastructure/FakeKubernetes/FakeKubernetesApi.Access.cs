using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>What an aggregated API server reads from the API server: the request-header ConfigMap and SubjectAccessReviews.</summary>
public sealed partial class FakeKubernetesApi
{
    /// <summary>
    /// Publishes <c>kube-system/extension-apiserver-authentication</c> as the API server does with
    /// <c>--requestheader-*</c> flags: the front-proxy CA (PEM) and the JSON-encoded lists.
    /// </summary>
    public JsonObject PutRequestHeaderConfigMap(string caPem, IReadOnlyList<string> allowedNames,
        string userHeader = "X-Remote-User", string groupHeader = "X-Remote-Group")
    {
        static string List(IEnumerable<string> values) => new JsonArray([.. values.Select(v => (JsonNode?)v)]).ToJsonString();
        var data = new JsonObject
        {
            ["requestheader-client-ca-file"] = caPem,
            ["requestheader-allowed-names"] = List(allowedNames),
            ["requestheader-username-headers"] = List([userHeader]),
            ["requestheader-group-headers"] = List([groupHeader]),
            ["requestheader-extra-headers-prefix"] = List(["X-Remote-Extra-"]),
        };
        return _store.Put(ResourceType.ConfigMaps, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system" },
            ["data"] = data,
        });
    }

    /// <summary>Decides each SubjectAccessReview from its spec (<c>user</c>, <c>groups</c>, <c>resourceAttributes</c>); unset: denied.</summary>
    public Func<JsonObject, bool>? AccessRule
    {
        get => _settings.AccessRule;
        set => _settings.AccessRule = value;
    }

    /// <summary>Every SubjectAccessReview asked, in order (as sent).</summary>
    public IReadOnlyList<JsonObject> AccessReviews => [.. _host.Reviews.Asked];
}
