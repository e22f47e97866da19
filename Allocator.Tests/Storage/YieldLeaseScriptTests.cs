using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Storage;

public class YieldLeaseScriptTests
{
    [Fact]
    public async Task Only_the_ended_terms_own_lease_is_freed()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(YieldLeaseScriptTests)));
        var db = redis.Connection.GetDatabase();
        var script = new YieldLeaseScript(keys);

        await db.StringSetAsync(keys.Leader, "lock-2", TimeSpan.FromSeconds(30));
        Assert.False(await script.RunAsync(db, "lock-1")); // another term holds it now
        Assert.Equal("lock-2", (string?)await db.StringGetAsync(keys.Leader));

        Assert.True(await script.RunAsync(db, "lock-2"));
        Assert.False(await db.KeyExistsAsync(keys.Leader));
        Assert.False(await script.RunAsync(db, "lock-2")); // gone: nothing to free
    }
}
