using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>Something the batch loop applies to the fleet before its next batch.</summary>
public abstract record FleetEvent;

/// <summary>A watch of <paramref name="Scope"/> (a namespace, or <c>*</c>) reported a change.</summary>
public sealed record WatchedChange(string Scope, GameServerChange Change) : FleetEvent;

/// <summary>
/// The write-back gave up a game server's changes through outbox entry <paramref name="Through"/>;
/// the fleet takes <paramref name="Observed"/> (null: deleted) with the newer changes still pending.
/// </summary>
public sealed record WriteBackGaveUp(string Key, GameServer? Observed, string Through) : FleetEvent;
