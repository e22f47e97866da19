using Allocation.V1;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Inventory;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;

namespace Allocator.Service.Processing;

/// <summary>
/// Runs the leader's hot path (decode, decide, encode, serialize) on a throw-away fleet before
/// the replica declares itself ready: a freshly started process would otherwise spend its
/// first batches compiling code, and in a rollout the new version is the one that takes over.
/// </summary>
public sealed class LeaderWarmup(Membership membership, FleetFollower follower, ILogger<LeaderWarmup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var fleet = new Fleet();
        foreach (var server in FleetSeed.Demo(new DemoFleetSpec(200, 4, 10, "rooms", "warmup", "default"))) fleet.Load(server);
        var decider = new BatchDecider(fleet, new AllocationEngine(fleet, new Random(1)));
        var json = JsonFormatter.Default.Format(Hosting.BurstCommand.SessionRequest("warmup", "rooms"));
        var now = DateTimeOffset.UtcNow;
        for (var round = 0; round < 20 && !cancellationToken.IsCancellationRequested; round++)
        {
            var batch = Enumerable.Range(0, 100)
                .Select(i => new QueuedRequest(RequestKind.Allocation, $"0-{i}", $"warmup-{round}-{i}", "warmup", now.AddMinutes(1).ToUnixTimeMilliseconds(), "", json))
                .ToList();
            var decided = decider.Decide(batch, new Dictionary<string, string>(), now);
            var replies = new ReplyBatch();
            foreach (var answer in decided.Answers)
            {
                _ = Outcomes.ToJson(answer.Outcome);
                replies.Replies.Add(new Reply { RequestId = answer.Request.RequestId, Outcome = answer.Outcome });
            }

            _ = ReplyBatch.Parser.ParseFrom(replies.ToByteArray());
            foreach (var server in decided.Changed) _ = GameServerJson.Deserialize(GameServerJson.Serialize(server));
            fleet.Accept();
        }

        try
        {
            // A successor must hold a warm copy of the fleet before it counts as ready.
            await follower.FollowAsync();
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // Redis is away: the copy is loaded when the follower next runs (or at takeover).
        }

        membership.MarkReady();
        ProcessingLog.WarmedUp(log, started.ElapsedMilliseconds);
        try
        {
            await membership.AnnounceAsync(); // a leader of an older version can hand over now
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The heartbeat announces it on its next tick.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
