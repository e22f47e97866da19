using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Tests.Storage;

/// <summary>
/// Sentinel mode against real <c>redis-server</c> and Sentinel processes: a replica's
/// connections follow the primary a majority of the Sentinels name, through a failover, and
/// never one that only a minority names.
/// </summary>
public sealed class SentinelRouteTests
{
    private static RedisRoute Route(params SentinelProcess[] sentinels) => new(
        Options.Create(new RedisOptions { Redis = string.Join(",", sentinels.Select(s => s.Endpoint)) + ",serviceName=" + SentinelProcess.ServiceName }),
        NullLogger<RedisRoute>.Instance);

    /// <summary>ROLE's fields; null while the connection is down (Sentinel kills clients of the replica it promotes).</summary>
    private static async Task<string?[]?> RoleAsync(RedisServer server)
    {
        try
        {
            return ((RedisResult[])(await server.Connection.GetServer(server.ConnectionString).ExecuteAsync("ROLE"))!).Select(r => r.IsNull ? null : r.ToString()).ToArray();
        }
        catch (RedisException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Connections_follow_the_primary_through_a_Sentinel_failover()
    {
        await using var primary = await RedisServer.StartOwnAsync();
        await using var replica = await RedisServer.StartOwnAsync($"--replicaof 127.0.0.1 {primary.Port}");
        await using var sentinel = await SentinelProcess.StartAsync(primary.Port);
        await Until.TrueAsync(async () => (await RoleAsync(replica))?[3] == "connected", "the replica syncs");
        await using var route = Route(sentinel);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(route.Configuration("test"));
        var db = redis.GetDatabase();

        await db.StringSetAsync("before", "1");
        Assert.Equal("1", (string?)await primary.Connection.GetDatabase().StringGetAsync("before"));

        // The Sentinel refuses (NOGOODSLAVE) until it has read the replica's own INFO.
        await Until.TrueAsync(async () => (await sentinel.AskAsync($"SENTINEL FAILOVER {SentinelProcess.ServiceName}"))?.StartsWith("+OK") == true, "the Sentinel starts a failover");
        await Until.TrueAsync(async () => (await RoleAsync(replica))?[0] == "master", "the replica is promoted");
        // Writes through the route then go to it (the old primary is made its replica and refuses them).
        await Until.TrueAsync(async () =>
        {
            try
            {
                await db.StringSetAsync("after", "1");
                return await replica.Connection.GetDatabase().StringGetAsync("after") == "1";
            }
            catch (RedisException)
            {
                return false;
            }
        }, "a write through the route lands on the promoted replica");
        Assert.Equal("1", (string?)await db.StringGetAsync("before")); // what was written before the failover is there
    }

    [Fact]
    public async Task A_server_only_a_minority_of_Sentinels_names_is_not_followed()
    {
        await using var primary = await RedisServer.StartOwnAsync();
        await using var other = await RedisServer.StartOwnAsync();
        await using var first = await SentinelProcess.StartAsync(primary.Port);
        await using var second = await SentinelProcess.StartAsync(primary.Port);
        await using var stray = await SentinelProcess.StartAsync(other.Port);

        await using (var route = Route(stray, first, second))
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(route.Configuration("test")))
        {
            await redis.GetDatabase().StringSetAsync("where", "majority");
        }

        Assert.Equal("majority", (string?)await primary.Connection.GetDatabase().StringGetAsync("where"));
        Assert.False(await other.Connection.GetDatabase().KeyExistsAsync("where"));

        // The rule, not the order, decides: the stray Sentinel alone is followed.
        await using (var route = Route(stray))
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(route.Configuration("test")))
        {
            await redis.GetDatabase().StringSetAsync("where", "only one asked");
        }

        Assert.Equal("only one asked", (string?)await other.Connection.GetDatabase().StringGetAsync("where"));
    }

    [Fact]
    public void Tls_behind_Sentinels_needs_the_name_certificates_carry()
    {
        static List<string> Problems(string redis) => new RedisOptionsValidator().Problems(new RedisOptions { Redis = redis, RedisTls = true }).ToList();

        Assert.Contains(Problems("s1:26379,s2:26379,serviceName=mymaster"), p => p.StartsWith("Allocator:Redis names Sentinels") && p.Contains("sslHost="));
        Assert.Empty(Problems("s1:26379,s2:26379,serviceName=mymaster,sslHost=redis.example"));
        Assert.Empty(Problems("redis.example:6380"));
    }
}
