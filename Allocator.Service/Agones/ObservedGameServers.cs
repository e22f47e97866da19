using System.Collections.Concurrent;
using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// The newest copy of each GameServer the leader has seen from Kubernetes (watch events and the
/// write-back's own patch responses), so a write-back can compute its patch without reading
/// the object first. Only a hint: the patch carries the copy's resourceVersion as its
/// precondition, so a stale copy costs a 409 and a read, never a wrong write. Copies are never
/// changed after they are stored; readers clone before editing.
/// </summary>
public sealed class ObservedGameServers
{
    private readonly ConcurrentDictionary<string, GameServer> _servers = new(StringComparer.Ordinal);

    public bool TryGet(string key, out GameServer server) => _servers.TryGetValue(key, out server!);

    public void Observe(GameServerChange change)
    {
        switch (change)
        {
            case GameServerSnapshot snapshot:
                foreach (var server in snapshot.Servers) Observe(server);
                break;
            case GameServerUpserted upserted:
                Observe(upserted.Server);
                break;
            case GameServerDeleted deleted:
                _servers.TryRemove(deleted.Key, out _);
                break;
        }
    }

    /// <summary>Keeps <paramref name="server"/> unless the copy held is newer (when both resourceVersions are numbers, as etcd's are).</summary>
    public void Observe(GameServer server) =>
        _servers.AddOrUpdate(server.Key, server, (_, held) => Newer(held.ResourceVersion, server.ResourceVersion) ? held : server);

    public void Forget(string key) => _servers.TryRemove(key, out _);

    private static bool Newer(string? held, string? offered) =>
        long.TryParse(held, out var a) && long.TryParse(offered, out var b) && a > b;
}
