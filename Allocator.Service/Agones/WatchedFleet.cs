using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// Applies what the GameServer watch reports to the leader's fleet, as recorded changes the
/// next commit writes. Kubernetes is the source of truth for the servers it reports; a
/// snapshot (after a relist) also removes the servers of its scope it no longer lists.
/// </summary>
public static class WatchedFleet
{
    /// <param name="scope">The namespace the watch covers, or null for all namespaces.</param>
    public static void Apply(Fleet fleet, GameServerChange change, string? scope)
    {
        switch (change)
        {
            case GameServerSnapshot snapshot:
                var listed = snapshot.Servers.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
                var gone = fleet.Servers.Where(s => (scope is null || s.Namespace == scope) && !listed.Contains(s.Key)).Select(s => s.Key).ToList();
                foreach (var key in gone) fleet.Remove(key);
                foreach (var server in snapshot.Servers) fleet.Put(server);
                break;
            case GameServerUpserted upserted:
                fleet.Put(upserted.Server);
                break;
            case GameServerDeleted deleted:
                fleet.Remove(deleted.Key);
                break;
        }
    }
}
