namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>A kind of object the fake serves, and how the API server names it in URLs, lists and errors.</summary>
internal sealed record ResourceType(string Group, string Version, string Kind, string Plural)
{
    public static readonly ResourceType GameServers = new("agones.dev", "v1", "GameServer", "gameservers");
    public static readonly ResourceType Pods = new("", "v1", "Pod", "pods");

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>"gameservers.agones.dev" or "pods", as the API server names a resource in messages.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
