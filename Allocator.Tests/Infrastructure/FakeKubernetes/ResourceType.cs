namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>A kind of object the fake serves, and how the API server names it in URLs, lists and errors.</summary>
/// <param name="Custom">Served from a CustomResourceDefinition: no strategic merge patch (415), schema checks as 422.</param>
/// <param name="StatusSubresource">Has <c>/status</c>; without it the path is a 404 and a status change is a new generation.</param>
internal sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Custom, bool StatusSubresource)
{
    // Agones' GameServer CRD declares no status subresource (install/helm/agones/templates/crds/gameserver.yaml).
    public static readonly ResourceType GameServers = new("agones.dev", "v1", "GameServer", "gameservers", Custom: true, StatusSubresource: false);
    public static readonly ResourceType Pods = new("", "v1", "Pod", "pods", Custom: false, StatusSubresource: true);
    // Agones' GameServerAllocationPolicy CRD (install/helm/agones/templates/crds/gameserverallocationpolicy.yaml) has no subresources.
    public static readonly ResourceType AllocationPolicies = new("multicluster.agones.dev", "v1", "GameServerAllocationPolicy", "gameserverallocationpolicies", Custom: true, StatusSubresource: false);
    public static readonly ResourceType Secrets = new("", "v1", "Secret", "secrets", Custom: false, StatusSubresource: false);
    public static readonly ResourceType Events = new("", "v1", "Event", "events", Custom: false, StatusSubresource: false);
    public static readonly ResourceType ConfigMaps = new("", "v1", "ConfigMap", "configmaps", Custom: false, StatusSubresource: false);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>"gameservers.agones.dev" or "pods", as the API server names a resource in messages.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
