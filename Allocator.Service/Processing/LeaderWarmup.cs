using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Api;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Runs the leader's hot path (decode, decide, encode, serialize) on a throw-away fleet before
/// the replica declares itself ready: a freshly started process would otherwise spend its
/// first batches compiling code, and in a rollout the new version is the one that takes over.
/// </summary>
public sealed class LeaderWarmup(
    Membership membership,
    FleetFollower follower,
    LeaderConnection redis,
    KeyLayout keys,
    BeginTermScript beginTerm,
    ReplicaIdentity replica,
    BatchCommitter committer,
    LeaseCandidate candidate,
    IInventorySource inventory,
    ILogger<LeaderWarmup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var fleet = new Fleet();
        foreach (var server in new DemoFleetSpec(200, 4, 10, "rooms", "warmup", "default").Generate()) fleet.Load(server);
        var decider = new BatchDecider(fleet, new AllocationEngine(fleet, new Random(1)));
        var json = JsonFormatter.Default.Format(SessionRequests.HighDensity("warmup", "rooms"));
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

        // What a leader does once per heartbeat: publish its index shapes, tally the fleet for metrics.
        _ = IndexShape.ToJson(fleet.IndexShapes);
        _ = Telemetry.FleetTally.Of(fleet.Servers);

        try
        {
            // A warm standby must hold its copy of the fleet before it counts as ready.
            if (await membership.IsWarmStandbyAsync()) await follower.FollowAsync();
            await RehearseAsync(decider, json, now);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Redis is away (or the hash damaged): the copy is loaded when the follower next
            // runs, or at takeover; readiness must not wait for it.
            log.Report(e, "Warm-up", ProcessingLog.WarmupIncomplete);
        }

        membership.MarkReady();
        ProcessingLog.WarmedUp(log, started.ElapsedMilliseconds);
        try
        {
            await membership.AnnounceAsync(); // a leader of an older version can hand over now
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The heartbeat announces it on its next tick.
        }
    }

    /// <summary>
    /// The leader's Redis calls, made harmless: a lease that is not ours makes the commit script
    /// return "fenced" before touching anything, and reads go to a scratch stream of our own.
    /// </summary>
    private async Task RehearseAsync(BatchDecider decider, string json, DateTimeOffset now)
    {
        // On the connection a leader commits on: with MinReplicas it is a connection of its own.
        var db = redis.Database;
        var notOurs = Lease.NotHeld("rehearsal-" + replica.Id);
        var reader = new BatchReader(keys, replica, TimeProvider.System);
        var batch = new[] { new QueuedRequest(RequestKind.Allocation, "0-1", "warmup-rehearsal", replica.Id, now.AddMinutes(1).ToUnixTimeMilliseconds(), "", json) };
        _ = await reader.StoredResultsAsync(db, batch);
        _ = await committer.CommitAsync(db, notOurs, 1, decider.Decide(batch, new Dictionary<string, string>(), now));
        _ = await Telemetry.StreamBacklog.ReadAsync(db, keys); // the leader's gauge reading (read-only)
        await inventory.RehearseAsync(db, notOurs);
        // Taking over: the lease (on a scratch lock), then begin_term, which a lease that is not ours fences.
        await candidate.RehearseAsync(keys.WarmupLock(replica.Id));
        _ = await beginTerm.RunAsync(db, notOurs.LockId, replica.Id, replica.Version, now.ToUnixTimeMilliseconds());

        // Claiming runs first in every term, then reads: rehearse both on a scratch stream of our own.
        var scratch = keys.WarmupStream(replica.Id);
        try
        {
            await db.StreamCreateConsumerGroupAsync(scratch, KeyLayout.ProcessorGroup, "0-0", createStream: true);
            _ = await db.StreamAutoClaimAsync(scratch, KeyLayout.ProcessorGroup, replica.Id, 0, "0-0", 1);
            _ = await db.StreamReadGroupAsync([new StreamPosition(scratch, StreamPosition.NewMessages), new StreamPosition(scratch, StreamPosition.NewMessages)], KeyLayout.ProcessorGroup, replica.Id, 1);
        }
        finally
        {
            await db.KeyDeleteAsync(scratch);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
