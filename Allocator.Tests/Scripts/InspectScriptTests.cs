using Allocator.Service.Leadership;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Scripts;

/// <summary>scripts/inspect.sh reads a fleet from Redis alone: what it shows of members and of the mode.</summary>
public class InspectScriptTests
{
    [Fact]
    public async Task Heartbeat_ages_are_never_negative_and_stand_alone_mode_shows_no_Kubernetes_lines()
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(InspectScriptTests)));
        var db = redis.Connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // One replica whose clock runs 5 s ahead of Redis', one that beat 2 s ago.
        await db.HashSetAsync(keys.Members,
        [
            new HashEntry("ahead", new Member("ahead", "1.0.0", true, true, now, now + 5_000).ToJson()),
            new HashEntry("behind", new Member("behind", "1.0.0", true, true, now, now - 2_000).ToJson()),
        ]);
        await db.StringSetAsync(keys.ChangeSeq, 3);

        var standalone = await InspectAsync(redis, keys);
        Assert.Matches(@"ahead .* heartbeat +0 ms ago", standalone);
        Assert.Matches(@"behind .* heartbeat +[0-9]{4,} ms ago", standalone);
        Assert.DoesNotMatch("heartbeat +-", standalone);
        Assert.Contains("== Change log", standalone);
        Assert.Contains("commits logged: 3", standalone);
        Assert.DoesNotContain("outbox", standalone);
        Assert.DoesNotContain("Kubernetes", standalone);

        // Kubernetes mode leaves its keys: the write-back lines appear.
        await db.StringSetAsync(keys.FleetId, "fleet-a");
        await db.HashSetAsync(keys.WatchPositions, "*", "4711");
        var kubernetes = await InspectAsync(redis, keys);
        Assert.Contains("== Change log and Kubernetes write-back", kubernetes);
        Assert.Contains("outbox backlog: 0", kubernetes);
        Assert.Contains("* at resourceVersion 4711", kubernetes);
    }

    private static async Task<string> InspectAsync(RedisServer redis, KeyLayout keys)
    {
        var (exitCode, output, error) = await ScriptRun.BashAsync("scripts/inspect.sh", "--prefix", keys.Prefix, "-p", redis.Port.ToString());
        Assert.True(exitCode == 0, $"inspect.sh failed ({exitCode}): {error}");
        return output;
    }
}
