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

    [Fact]
    public async Task One_call_queues_many_requests_in_order_and_answers_those_already_decided()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(EnqueueScriptTests)));
        var db = redis.Connection.GetDatabase();
        var script = new EnqueueScript(keys);
        await db.StringSetAsync(keys.Result("b"), "{\"code\":0}");
        EnqueueScript.Entry Entry(string id) => new(id, [new("id", id), new("deadline", 7)]);

        var answers = await script.RunAsync(db, inventory: false, [Entry("a"), Entry("b"), Entry("c")]);

        Assert.Equal([null, "{\"code\":0}", null], answers);
        var queued = await db.StreamRangeAsync(keys.Requests);
        Assert.Equal(["a", "c"], queued.Select(e => (string)e["id"]!));
    }

    [Fact]
    public async Task Concurrent_calls_share_script_calls()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(EnqueueScriptTests)));
        var batcher = new Allocator.Service.Queue.EnqueueBatcher(redis.Connection, new EnqueueScript(keys),
            Microsoft.Extensions.Options.Options.Create(new RedisOptions()), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Allocator.Service.Queue.EnqueueBatcher>.Instance);

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => batcher.EnqueueAsync(false, $"r{i}", [new("id", $"r{i}")])));

        Assert.All(answers, Assert.Null);
        Assert.Equal(200, await redis.Connection.GetDatabase().StreamLengthAsync(keys.Requests));
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var stats = (await admin.GetServer(redis.ConnectionString).InfoAsync("commandstats")).SelectMany(g => g);
        var scriptCalls = stats.Where(p => p.Key is "cmdstat_evalsha" or "cmdstat_eval").Sum(p => long.Parse(p.Value.Split("calls=")[1].Split(',')[0]));
        Assert.InRange(scriptCalls, 2, 100); // at most 128 a call: at least 2; shared: far fewer than 200
    }
}
