using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Storage;

public class WriteBackScriptTests
{
    [Fact]
    public async Task A_pass_stores_and_sends_answers_queues_requests_again_and_drops_its_entries_once()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(WriteBackScriptTests)));
        var db = redis.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(redis.Connection, keys);
        var entry = (string)(await db.StreamAddAsync(keys.Outbox, "changes", "[]"))!;
        await db.StringSetAsync(keys.Held("a"), "1");
        await db.StringSetAsync(keys.Held("late"), "1");
        await db.StringSetAsync(keys.Held("again"), "1");
        await db.StringSetAsync(keys.Result("late"), "front's answer");
        var replies = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.Connection.GetSubscriber().SubscribeAsync(keys.Reply("front-1"), (_, m) => replies.TrySetResult((byte[])m!));
        var script = new WriteBackScript(keys);
        var finish = new WriteBackFinish(lease.LockId, lease.Epoch, TimeSpan.FromMinutes(1))
        {
            Answers = [new FinishedAnswer("a", "answer-a", "front-1", [1, 2]), new FinishedAnswer("late", "answer-late", null, [])],
            Requeued = [new RequeuedRequest("again", [new("id", "again"), new("replica", "front-1")])],
            FinishedEntries = [entry],
        };

        Assert.Null(await script.RunAsync(db, finish with { Epoch = lease.Epoch + 1 }));
        Assert.Equal(1, await db.StreamLengthAsync(keys.Outbox));

        Assert.Equal(1, await script.RunAsync(db, finish));
        Assert.Equal([1, 2], await replies.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("answer-a", (string?)await db.StringGetAsync(keys.Result("a")));
        Assert.Equal("front's answer", (string?)await db.StringGetAsync(keys.Result("late")));
        Assert.False(await db.KeyExistsAsync(keys.Held("a")) || await db.KeyExistsAsync(keys.Held("again")));
        Assert.Equal("again", (string?)Assert.Single(await db.StreamRangeAsync(keys.Requests))["id"]);
        Assert.Equal(0, await db.StreamLengthAsync(keys.Outbox));
    }
}
