namespace Allocator.Service.KubernetesApi;

/// <summary>The one resource this API serves, named as Agones' API extension names it.</summary>
public static class AllocationResource
{
    public const string Group = "allocation.agones.dev";
    public const string Version = "v1";
    public const string GroupVersion = Group + "/" + Version;
    public const string Kind = "GameServerAllocation";
    public const string Plural = "gameserverallocations";
    public const string Singular = "gameserverallocation";
    public const string ShortName = "gsa";
    public const string QualifiedName = Plural + "." + Group;
    public const string Verb = "create";

    /// <summary>Every path of this API (discovery, the resource, OpenAPI) is under these.</summary>
    public static bool Serves(PathString path) => path.StartsWithSegments("/apis") || path.StartsWithSegments("/openapi");
}
