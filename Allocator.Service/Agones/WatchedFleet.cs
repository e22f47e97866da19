using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// Applies what Kubernetes reports to the leader's fleet, as recorded changes the next commit
/// writes. Kubernetes is the source of truth for the servers it reports, except for the
/// allocations it has not shown yet: those are applied again on top of what it reports, so the
/// fleet never under-counts while a game server's own changes (sessions ending) are kept.
/// A snapshot (after a relist) also removes the servers of its scope it no longer lists.
/// </summary>
public static class WatchedFleet
{
    /// <param name="scope">The namespace the watch covers, or null for all namespaces.</param>
    /// <remarks>Puts copies: a batch that cannot be committed is undone and the same change applied again.</remarks>
    /// <param name="fleetId">This fleet's id in the outbox-id annotation (<see cref="OutboxId"/>).</param>
    public static void Apply(Fleet fleet, GameServerChange change, string? scope, string fleetId)
    {
        switch (change)
        {
            case GameServerSnapshot snapshot:
                var listed = snapshot.Servers.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
                var gone = fleet.Servers.Where(s => (scope is null || s.Namespace == scope) && !listed.Contains(s.Key)).Select(s => s.Key).ToList();
                foreach (var key in gone) fleet.Remove(key);
                foreach (var server in snapshot.Servers) fleet.Put(Reconciled(fleet, server.Clone(), fleetId));
                break;
            case GameServerUpserted upserted:
                fleet.Put(Reconciled(fleet, upserted.Server.Clone(), fleetId));
                break;
            case GameServerDeleted deleted:
                fleet.Remove(deleted.Key);
                break;
        }
    }

    /// <summary>
    /// The write-back gave up the server's changes through outbox entry <paramref name="through"/>
    /// (the server is gone, full or refused them): the fleet takes <paramref name="observed"/>
    /// (null: deleted) plus only the pending changes after that entry, which are still to be written.
    /// </summary>
    public static void Abandon(Fleet fleet, string key, GameServer? observed, string through, string fleetId)
    {
        if (observed is null)
        {
            fleet.Remove(key);
            return;
        }

        var current = fleet.Find(key);
        if (current?.Pending is { } pending) current.Pending = [.. pending.Where(p => OutboxId.Compare(p.Id, through) > 0)];
        fleet.Put(Reconciled(fleet, observed.Clone(), fleetId));
    }

    /// <summary>
    /// <paramref name="observed"/> plus the pending changes of the fleet's copy that Kubernetes
    /// does not carry yet (their outbox id is newer than the one its annotation names).
    /// </summary>
    public static GameServer Reconciled(Fleet fleet, GameServer observed, string fleetId)
    {
        var applied = OutboxId.AppliedTo(observed, fleetId);
        var pending = fleet.Find(observed.Key)?.Pending?
            .Where(p => OutboxId.Compare(p.Id, applied) > 0)
            .Select(p => p with { Delta = p.Delta.Clone() })
            .ToList();
        foreach (var write in pending ?? []) write.Delta.ApplyTo(observed);
        observed.Pending = pending is { Count: > 0 } ? pending : null;
        return observed;
    }
}
