using System.Security.Cryptography;
using System.Text;
using Allocator.Service.Api;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The request id a GameServerAllocation is queued under, so a retry of the same object gets the
/// first answer (for <c>ResultTtl</c>): its <c>metadata.uid</c>, else its <c>metadata.name</c>,
/// within its namespace (a namespace can never learn another's answer by reusing a name or uid);
/// without either, a new id. Ids that would be too long or not plain enough for a Redis key are hashed.
/// </summary>
public static class IdempotencyKey
{
    private const string Prefix = "gsa:";

    public static string For(string ns, ObjectMeta metadata)
    {
        var given = !string.IsNullOrEmpty(metadata.Uid) ? $"{ns}:uid:{metadata.Uid}"
            : !string.IsNullOrEmpty(metadata.Name) ? $"{ns}:name:{metadata.Name}"
            : null;
        if (given is null) return Guid.NewGuid().ToString("N");
        var key = Prefix + given;
        return Names.IsRequestId(key) ? key : Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(given)))[..48];
    }
}
