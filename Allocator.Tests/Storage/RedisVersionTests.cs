using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Allocator.Tests.Storage;

/// <summary>The start-up check that Redis is recent enough for the scripts ('#!lua' flags need 7.0).</summary>
public class RedisVersionTests
{
    [Theory]
    [InlineData("7.0.15", "7.0.15")]
    [InlineData("8.0.1\n", "8.0.1")]
    [InlineData("# Server\r\nredis_version:6.2.14\r\nredis_git_sha1:00000000\r\n", "6.2.14")]
    [InlineData("# Server\nredis_version:7.2.4\nredis_mode:standalone\n", "7.2.4")]
    [InlineData("redis_version:6.0.9-rc1", "6.0.9")]
    [InlineData("# Server\r\nredis_mode:standalone\r\n", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Reads_a_version_or_the_redis_version_line_of_INFO(string? reply, string? expected)
    {
        Assert.Equal(expected, RedisVersion.Parse(reply)?.ToString());
    }

    [Theory]
    [InlineData("6.2.14", true)]
    [InlineData("6.0.9", true)]
    [InlineData("7.0.0", false)]
    [InlineData("7.2.4", false)]
    [InlineData("8.0.1", false)]
    public void Refuses_versions_before_7_saying_which_and_why(string version, bool refused)
    {
        var problem = RedisVersion.Problem(Version.Parse(version));
        Assert.Equal(refused, problem is not null);
        if (problem is null) return;
        Assert.Contains($"version {version}", problem);
        Assert.Contains("Redis 7.0 or later", problem);
        Assert.Contains("#!lua", problem);
        Assert.Contains("Allocator:Redis", problem);
    }

    [Fact]
    public async Task The_real_server_s_version_is_read_alike_from_scripts_and_INFO_and_passes()
    {
        var db = (await RedisServer.GetAsync()).Connection.GetDatabase();
        var read = await RedisVersion.ReadAsync(db);
        var info = RedisVersion.Parse((string?)await db.ScriptEvaluateAsync("return redis.call('INFO', 'server')"));

        Assert.NotNull(read);
        Assert.Equal(info, read);
        Assert.True(read >= RedisVersion.Minimum, $"the test Redis is {read}");
        Assert.Null(RedisVersion.Problem(read));
        await new RedisVersionCheck((await RedisServer.GetAsync()).Connection, NullLogger<RedisVersionCheck>.Instance).StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_Redis_that_cannot_be_reached_does_not_hold_up_the_start()
    {
        var nowhere = ConfigurationOptions.Parse($"127.0.0.1:{RedisServer.FreePort()},connectTimeout=500,abortConnect=false");
        using var redis = await ConnectionMultiplexer.ConnectAsync(nowhere);
        await new RedisVersionCheck(redis, NullLogger<RedisVersionCheck>.Instance).StartAsync(CancellationToken.None);
    }
}
