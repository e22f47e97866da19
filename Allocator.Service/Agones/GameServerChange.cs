using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>What the GameServer watch reports, each with the resourceVersion to resume after it.</summary>
public abstract record GameServerChange(string ResourceVersion);

/// <summary>After a (re)list: every game server in scope; anything else in the hash for that scope is gone.</summary>
/// <param name="Expired">Listed because the watch could not resume (410 Gone), not because there was nothing to resume from.</param>
public sealed record GameServerSnapshot(IReadOnlyList<GameServer> Servers, string ResourceVersion, bool Expired = false) : GameServerChange(ResourceVersion);

public sealed record GameServerUpserted(GameServer Server, string ResourceVersion) : GameServerChange(ResourceVersion);

public sealed record GameServerDeleted(string Key, string ResourceVersion) : GameServerChange(ResourceVersion);

/// <summary>A bookmark: nothing changed up to this resourceVersion.</summary>
public sealed record GameServerProgress(string ResourceVersion) : GameServerChange(ResourceVersion);
