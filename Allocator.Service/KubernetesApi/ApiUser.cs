namespace Allocator.Service.KubernetesApi;

/// <summary>Who a request is from, as the API server's front proxy says (<c>X-Remote-User</c>, <c>X-Remote-Group</c>).</summary>
public sealed record ApiUser(string Name, IReadOnlyList<string> Groups)
{
    /// <summary>In plaintext mode nobody is authenticated: the caller is anonymous, as Kubernetes names it.</summary>
    public static readonly ApiUser Anonymous = new("system:anonymous", ["system:unauthenticated"]);

    public const string ItemKey = "allocator.kubernetes-api.user";
}
