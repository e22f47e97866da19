using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Storage;

public class SettleScriptTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_call_is_settled_once_with_the_stored_answer_or_the_front_s_error()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(A_call_is_settled_once_with_the_stored_answer_or_the_front_s_error)));
        var db = redis.Connection.GetDatabase();
        var script = new SettleScript(keys);

        Assert.Equal("leaderless", await script.RunAsync(db, "a", heldMarkers: false, replicatedMark: false, "deadline", "leaderless", Ttl, "held"));
        await db.StringSetAsync(keys.Leader, "lock");
        Assert.Equal("deadline", await script.RunAsync(db, "b", heldMarkers: false, replicatedMark: false, "deadline", "leaderless", Ttl, "held"));
        // Settled once: the stored answer stays, whatever comes later.
        Assert.Equal("leaderless", await script.RunAsync(db, "a", heldMarkers: false, replicatedMark: false, "deadline", "leaderless", Ttl, "held"));
        Assert.NotNull(await db.KeyTimeToLiveAsync(keys.Result("b")));
    }

    [Fact]
    public async Task An_answer_waiting_for_Kubernetes_is_not_settled_and_without_markers_none_is_looked_for()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(An_answer_waiting_for_Kubernetes_is_not_settled_and_without_markers_none_is_looked_for)));
        var db = redis.Connection.GetDatabase();
        var script = new SettleScript(keys);
        await db.StringSetAsync(keys.Held("a"), "1");
        await db.StringSetAsync(keys.Held("b"), "1");

        Assert.Equal("held", await script.RunAsync(db, "a", heldMarkers: true, replicatedMark: false, "deadline", "leaderless", Ttl, "held"));
        Assert.False(await db.KeyExistsAsync(keys.Result("a")));
        Assert.Equal("leaderless", await script.RunAsync(db, "b", heldMarkers: false, replicatedMark: false, "deadline", "leaderless", Ttl, "held"));
    }
}
