using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Processing;

public class BatchReaderTests
{
    [Fact]
    public async Task Entries_a_deposed_leader_read_are_claimed_by_the_leader_s_next_sweep()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(BatchReaderTests)));
        var db = redis.Connection.GetDatabase();
        await TestTerm.BeginAsync(redis.Connection, keys); // creates the consumer groups
        var clock = new ManualClock();
        var leader = new BatchReader(keys, new ReplicaIdentity("leader", "1"), clock);
        var deposed = new BatchReader(keys, new ReplicaIdentity("deposed", "1"), clock);

        Assert.Empty(await leader.NextAsync(db, 10)); // the term's first sweep: nothing pending
        Assert.False(leader.Claiming);

        // The deposed leader, not yet aware, reads what was queued after the new term began.
        await AddAsync(db, keys.Requests, "a");
        await AddAsync(db, keys.Inventory, "i");
        Assert.Equal(["a", "i"], (await deposed.ReadAsync(db, 10)).Select(r => r.RequestId));
        await AddAsync(db, keys.Requests, "b");

        Assert.Equal(["b"], (await leader.NextAsync(db, 10)).Select(r => r.RequestId)); // new entries only, until the sweep is due
        clock.Advance(BatchReader.ReclaimInterval);
        var claimed = await leader.NextAsync(db, 10);

        Assert.Equal([(RequestKind.Allocation, "a"), (RequestKind.Allocation, "b"), (RequestKind.Inventory, "i")],
            claimed.Select(r => (r.Kind, r.RequestId)).OrderBy(r => r.RequestId));
        var pending = await db.StreamPendingMessagesAsync(keys.Requests, KeyLayout.ProcessorGroup, 10, RedisValue.Null);
        Assert.All(pending, p => Assert.Equal("leader", p.ConsumerName));
    }

    private static Task AddAsync(IDatabase db, RedisKey stream, string id) =>
        db.StreamAddAsync(stream, [new(EntryFields.Id, id), new(EntryFields.Replica, "front-1"), new(EntryFields.Request, "{}")]);
}
