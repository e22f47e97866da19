using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Storage;

public class EnqueueScriptTests
{
    [Fact]
    public async Task A_request_is_queued_with_its_fields_and_wakes_the_leader_until_its_id_has_an_answer()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(EnqueueScriptTests)));
        var db = redis.Connection.GetDatabase();
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.Connection.GetSubscriber().SubscribeAsync(keys.Wake, (_, _) => woken.TrySetResult());
        var script = new EnqueueScript(keys);
        KeyValuePair<string, RedisValue>[] fields = [new("id", "r1"), new("deadline", 42)];

        Assert.Null(await script.RunAsync(db, inventory: false, "r1", fields));
        await woken.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var queued = Assert.Single(await db.StreamRangeAsync(keys.Requests));
        Assert.Equal(("r1", 42L), ((string)queued["id"]!, (long)queued["deadline"]));
        Assert.Null(await script.RunAsync(db, inventory: true, "r2", [new("id", "r2")]));
        Assert.Single(await db.StreamRangeAsync(keys.Inventory));

        await db.StringSetAsync(keys.Result("r1"), "{\"code\":0}");
        Assert.Equal("{\"code\":0}", await script.RunAsync(db, inventory: false, "r1", fields));
        Assert.Single(await db.StreamRangeAsync(keys.Requests));
    }
}
