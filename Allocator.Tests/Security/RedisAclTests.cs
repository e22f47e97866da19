using Allocator.Service.Api;
using Allocation.V1;
using Allocator.Service.Hosting;
using Allocator.Tests.Infrastructure;
using Grpc.Core;
using StackExchange.Redis;

namespace Allocator.Tests.Security;

/// <summary>
/// The service under the least-privilege ACL of scripts/redis-acl.conf (the file SECURITY.md
/// documents), on a real Redis: it works, and Redis denies it nothing but the client's probes.
/// </summary>
public class RedisAclTests
{
    // StackExchange.Redis probes these at connect and carries on when they are denied.
    private static readonly string[] ToleratedDenials = ["cluster|nodes", "cluster|slots", "config|get"];

    [Fact]
    public async Task The_service_works_under_the_documented_ACL_and_needs_nothing_more()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(RedisAclTests));
        var (user, password) = await CreateUserAsync(redis, prefix, rules => rules);

        await using (var replica = await ReplicaProcess.StartAsync("acl", redis.ConnectionString, prefix,
            $"--Allocator:RedisUser={user}", $"--Allocator:RedisPassword={password}", "--Allocator:DrainDelay=00:00:00",
            "--Allocator:Inventory:DemoFleet=servers=4,nodes=2,capacity=2,counter=rooms,fleet=acl"))
        {
            var request = SessionRequests.HighDensity("acl", "rooms");
            for (var i = 0; i < 3; i++) Assert.StartsWith("acl-", (await replica.Allocation.AllocateAsync(request)).GameServerName);
            await replica.TerminateAsync(); // hand-over path: release and announce
            Assert.DoesNotContain("NOPERM", replica.Log);
        }

        var denied = await DenialsAsync(redis, user);
        Assert.All(denied, d => Assert.Contains(d, ToleratedDenials));
    }

    [Fact]
    public async Task Without_a_command_it_needs_the_service_fails_clearly()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(RedisAclTests));
        var (user, password) = await CreateUserAsync(redis, prefix, rules => rules.Replace(" +xadd", ""));

        await using var replica = await ReplicaProcess.StartAsync("acl-short", redis.ConnectionString, prefix,
            $"--Allocator:RedisUser={user}", $"--Allocator:RedisPassword={password}", "--Allocator:Lead=false");
        var e = await Assert.ThrowsAsync<RpcException>(() => replica.Allocation.AllocateAsync(new AllocationRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("Redis ACL", e.Status.Detail);
        Assert.Contains("scripts/redis-acl.conf", e.Status.Detail);
    }

    /// <summary>A user with the documented rules for this prefix (edited by <paramref name="edit"/>).</summary>
    private static async Task<(string User, string Password)> CreateUserAsync(RedisServer redis, string prefix, Func<string, string> edit)
    {
        var line = File.ReadLines(Path.Combine(RepositoryRoot(), "scripts", "redis-acl.conf")).Single(l => l.StartsWith("user ", StringComparison.Ordinal));
        var user = "u-" + Guid.NewGuid().ToString("N")[..12];
        var password = Guid.NewGuid().ToString("N");
        var rules = edit(line["user allocator ".Length..].Replace("{alloc}", "{" + prefix + "}").Replace("PASSWORD", password));
        await redis.Connection.GetDatabase().ExecuteAsync("ACL", ["SETUSER", user, .. rules.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        return (user, password);
    }

    /// <summary>The objects Redis denied <paramref name="user"/> (ACL LOG).</summary>
    private static async Task<List<string>> DenialsAsync(RedisServer redis, string user)
    {
        var log = await redis.Connection.GetDatabase().ExecuteAsync("ACL", "LOG", "1000");
        return ((RedisResult[])log!)
            .Select(entry => entry.ToDictionary())
            .Where(entry => (string?)entry["username"] == user)
            .Select(entry => $"{(string?)entry["reason"]}:{(string?)entry["object"]}")
            .Select(d => d.StartsWith("command:", StringComparison.Ordinal) ? d["command:".Length..] : d)
            .ToList();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Allocator.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Allocator.sln not found above " + AppContext.BaseDirectory);
    }
}
