using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Storage;

public class BeginTermScriptTests
{
    [Fact]
    public async Task A_term_begins_only_for_the_lease_holder_bumps_the_epoch_each_time_and_learns_the_commit_counter()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(BeginTermScriptTests)));
        var db = redis.Connection.GetDatabase();
        var script = new BeginTermScript(keys);

        Assert.Null(await script.RunAsync(db, "nobody", "r1", "1.0", 5));
        Assert.False(await db.KeyExistsAsync(keys.Epoch));

        await db.StringSetAsync(keys.Leader, "lock-1");
        Assert.Equal((1L, 0L), await script.RunAsync(db, "lock-1", "r1", "1.0", 5));
        await db.StringSetAsync(keys.Commit, 7);
        Assert.Equal((2L, 7L), await script.RunAsync(db, "lock-1", "r1", "1.1", 6));
        Assert.Equal("1.1", (string?)await db.HashGetAsync(keys.LeaderInfo, "version"));
        foreach (var stream in new[] { keys.Requests, keys.Inventory })
        {
            Assert.Equal(KeyLayout.ProcessorGroup, Assert.Single(await db.StreamGroupInfoAsync(stream)).Name);
        }
    }
}
