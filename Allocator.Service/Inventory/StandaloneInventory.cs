using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Inventory;

/// <summary>
/// The stand-alone inventory source: game servers register, update, end sessions and leave
/// through the inventory API, whose changes arrive on the inventory stream and are applied by
/// the leader in queue order; a seed (demo fleet, seed file) is added once, at the start of a
/// term, when its fingerprint is new. Answers never wait for anything beyond the commit.
/// </summary>
public sealed class StandaloneInventory(KeyLayout keys, SeedScope scope, IOptions<InventoryOptions> options, ILogger<StandaloneInventory> log) : IInventorySource
{
    // The options' first reading validates the seed (every server of it): the warm-up pays for
    // that, not a takeover.
    private readonly Lazy<string> _fingerprint = new(() => FleetSeed.Fingerprint(options.Value.DemoFleet, options.Value.SeedFile));

    public async Task<IInventoryTerm?> BeginTermAsync(TermStart start, CancellationToken stopping)
    {
        var seed = options.Value;
        var fingerprint = _fingerprint.Value;
        if ((string?)await start.Db.StringGetAsync(keys.Seed) != fingerprint)
        {
            var added = FleetSeed.AddMissing(start.Fleet, FleetSeed.FromOptions(seed.DemoFleet, seed.SeedFile).Where(scope.Owns));
            if (!await start.CommitFleetAsync()) return null;
            await start.Db.StringSetAsync(keys.Seed, fingerprint);
            InventoryLog.Seeded(log, added, start.Lease.Epoch);
        }

        return new StandaloneTerm();
    }

    public async Task RehearseAsync(IDatabase db, Lease notOurs) => _ = await db.StringGetAsync(keys.Seed) == _fingerprint.Value;
}
