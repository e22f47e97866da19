using System.Text.Json;
using System.Text.RegularExpressions;
using Allocator.Service.Api;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.Telemetry;

/// <summary>What an operator reads in a replica's console output, captured from real replica processes.</summary>
public partial class LogOutputTests
{
    // ISO 8601 with milliseconds and offset, then the level, as the simple format writes one entry per line.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex SimpleLine();

    // The JSON format's timestamp: the same ISO 8601 form, in UTC as appsettings.json sets it.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")]
    private static partial Regex JsonTimestamp();

    [Fact]
    public async Task Every_line_of_both_console_formats_carries_a_timestamp_and_a_healthy_start_warns_of_nothing()
    {
        var redis = await RedisServer.GetAsync();
        var prefix = RedisServer.UniquePrefix(nameof(LogOutputTests));
        var started = DateTimeOffset.UtcNow;
        await using var simple = await ReplicaProcess.StartAsync("log-simple", redis.ConnectionString, prefix);
        await using var json = await ReplicaProcess.StartAsync("log-json", redis.ConnectionString, prefix, "--Logging:Console:FormatterName=json");
        await simple.WaitForLogAsync("Warmed up the leader");
        await json.WaitForLogAsync("Warmed up the leader");

        var simpleLines = Lines(simple);
        Assert.True(simpleLines.Count >= 5, simple.Log);
        Assert.All(simpleLines, line => Assert.Matches(SimpleLine(), line));
        Assert.DoesNotContain(simpleLines, line => line.Contains(" warn: ") || line.Contains(" fail: ") || line.Contains(" crit: "));

        var jsonLines = Lines(json);
        Assert.True(jsonLines.Count >= 5, json.Log);
        foreach (var line in jsonLines)
        {
            using var entry = JsonDocument.Parse(line);
            var text = entry.RootElement.GetProperty("timestamp").GetString()!;
            Assert.Matches(JsonTimestamp(), text);
            var timestamp = DateTimeOffset.Parse(text);
            Assert.InRange(timestamp, started.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.DoesNotContain(entry.RootElement.GetProperty("LogLevel").GetString(), new[] { "Warning", "Error", "Critical" });
        }
    }

    [Fact]
    public async Task A_Redis_outage_is_one_warning_naming_the_endpoint_and_one_line_when_it_is_back()
    {
        await using var redis = await RedisServer.StartOwnAsync();
        var endpoint = redis.ConnectionString;
        await using var replica = await ReplicaProcess.StartAsync("log-outage", endpoint, RedisServer.UniquePrefix(nameof(LogOutputTests)),
            "--Allocator:HeartbeatInterval=00:00:00.100", "--Allocator:LeaseRetry=00:00:00.100",
            "--Logging:LogLevel:Allocator.Service.Leadership=Debug"); // shows that the loops keep failing, quietly
        await replica.WaitForLogAsync("Leading: replica log-outage");

        // An outage that loses nothing (Redis comes back with its data): a restart that lost the
        // term's streams is an error of its own, and a short outage may not end the term.
        await redis.StopAsync(keepData: true);
        await replica.WaitForLogAsync($"Redis {endpoint} unreachable");
        var e = await Assert.ThrowsAsync<RpcException>(() => replica.Allocation.AllocateAsync(SessionRequests.HighDensity("demo", "rooms")).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.DoesNotContain("IOCP", e.Status.Detail); // the client library's state dump is not the caller's business
        // Every heartbeat fails meanwhile (10 a second here): at Debug, not a warning each.
        await Until.TrueAsync(() => Task.FromResult(Lines(replica).Count(l => l.Contains("Membership heartbeat failed while Redis is unreachable")) >= 5),
            "heartbeats failed during the outage", () => replica.Log);

        await redis.StartAgainAsync();
        await replica.WaitForLogAsync($"Redis {endpoint} reachable again after");

        var warnings = Lines(replica).Where(l => l.Contains(" warn: ") || l.Contains(" fail: ") || l.Contains(" crit: ")).ToList();
        Assert.True(warnings.Count == 1, string.Join("\n", warnings));
        Assert.Contains($"Redis {endpoint} unreachable", warnings[0]);
        Assert.DoesNotContain("IOCP", replica.Log);
    }

    private static List<string> Lines(ReplicaProcess replica) =>
        replica.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
