namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The discovery documents of <c>allocation.agones.dev/v1</c> as Agones' API extension and the
/// API server write them: <c>/apis</c> (APIGroupList, or the aggregated APIGroupDiscoveryList),
/// <c>/apis/allocation.agones.dev</c> (APIGroup), <c>/apis/allocation.agones.dev/v1</c> (APIResourceList),
/// and the empty OpenAPI documents Agones serves so the aggregator stops asking.
/// </summary>
public static class Discovery
{
    private static readonly object Version = new { groupVersion = AllocationResource.GroupVersion, version = AllocationResource.Version };

    private static object Group(bool withType) => withType
        ? new { kind = "APIGroup", apiVersion = "v1", name = AllocationResource.Group, versions = new[] { Version }, preferredVersion = Version }
        : new { name = AllocationResource.Group, versions = new[] { Version }, preferredVersion = Version };

    public static object GroupList() => new { kind = "APIGroupList", apiVersion = "v1", groups = new[] { Group(withType: false) } };

    public static object ApiGroup() => Group(withType: true);

    public static object ResourceList() => new
    {
        kind = "APIResourceList",
        apiVersion = "v1",
        groupVersion = AllocationResource.GroupVersion,
        resources = new[]
        {
            new
            {
                name = AllocationResource.Plural,
                singularName = AllocationResource.Singular,
                namespaced = true,
                kind = AllocationResource.Kind,
                verbs = new[] { AllocationResource.Verb },
                shortNames = new[] { AllocationResource.ShortName },
            },
        },
    };

    /// <summary>The aggregated form (<c>apidiscovery.k8s.io</c> v2 or v2beta1: the same shape) of all the above in one document.</summary>
    public static object AggregatedList(string version) => new
    {
        kind = MediaTypes.DiscoveryKind,
        apiVersion = $"{MediaTypes.DiscoveryGroup}/{version}",
        metadata = new { },
        items = new[]
        {
            new
            {
                metadata = new { name = AllocationResource.Group },
                versions = new[]
                {
                    new
                    {
                        version = AllocationResource.Version,
                        resources = new[]
                        {
                            new
                            {
                                resource = AllocationResource.Plural,
                                responseKind = new { group = AllocationResource.Group, version = AllocationResource.Version, kind = AllocationResource.Kind },
                                scope = "Namespaced",
                                singularResource = AllocationResource.Singular,
                                verbs = new[] { AllocationResource.Verb },
                                shortNames = new[] { AllocationResource.ShortName },
                            },
                        },
                        freshness = "Current",
                    },
                },
            },
        },
    };

    public static object OpenApiV2() => new { swagger = "2.0", info = new { title = AllocationResource.Group, version = AllocationResource.Version }, paths = new { } };

    public static object OpenApiV3() => new { paths = new { } };
}
