using Allocator.Service.Allocation;

namespace Allocator.Service.Inventory;

/// <summary>
/// Which of the seed's servers a leader adds: all of them with one partition; with several, the
/// ones its partition owns, so every replica can carry the whole seed.
/// </summary>
public sealed class SeedScope(Func<GameServer, bool> owns)
{
    public static readonly SeedScope Everything = new(_ => true);

    public bool Owns(GameServer server) => owns(server);
}
