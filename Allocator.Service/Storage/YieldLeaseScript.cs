using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>yield_lease.lua: free the lease of a term that ended without releasing it, if it is still that term's.</summary>
public sealed class YieldLeaseScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("yield_lease");

    /// <returns>True if the lease was the term's and is now free.</returns>
    public async Task<bool> RunAsync(IDatabaseAsync db, string lockId) =>
        (long)await _script.RunAsync(db, [keys.Leader], [lockId]) == 1;
}
