using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Storage;

public class ReadBatchScriptTests
{
    [Fact]
    public async Task Entries_of_both_streams_come_back_named_and_a_stale_term_reads_nothing()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(ReadBatchScriptTests)));
        var db = redis.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(redis.Connection, keys);
        await db.StreamAddAsync(keys.Requests, [new("id", "a"), new("request", "{}")]);
        await db.StreamAddAsync(keys.Inventory, [new("id", "i")]);
        var script = new ReadBatchScript(keys);

        var entries = (await script.RunAsync(db, lease.LockId, lease.Epoch, "tester", 10))!;

        Assert.Equal([(false, "a"), (true, "i")], entries.Select(e => (e.Inventory, e.Fields[0].Value)));
        Assert.Equal("{}", entries[0].Fields.Single(f => f.Key == "request").Value);
        Assert.Empty((await script.RunAsync(db, lease.LockId, lease.Epoch, "tester", 10))!);
        Assert.Null(await script.RunAsync(db, lease.LockId, lease.Epoch - 1, "tester", 10));
        Assert.Null(await script.RunAsync(db, "not-the-lease", lease.Epoch, "tester", 10));
    }
}
