using System.Diagnostics;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// A warm copy of the occupancy hash on every replica that is not leading, kept current by
/// replaying the change log the commit script writes (<c>{alloc}:changes</c>, one entry per
/// commit naming the servers it wrote). A new leader takes this copy, replays the last few
/// commits and serves: no full load of the hash on a fail-over, a hand-over or a Redis failover.
/// A gap in the log (trimmed past our position, or gone back with a failover to a lagging
/// Redis replica) or a term that ended falls back to a full load.
/// </summary>
public sealed class FleetFollower(IConnectionMultiplexer redis, KeyLayout keys, Telemetry.AllocatorMetrics metrics, ILogger<FleetFollower> log)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Fleet? _fleet;
    private bool _taken;
    private bool _claimed;
    private long _seq;
    private RedisValue _position = "0-0";
    private string _shapes = "";

    /// <summary>A term of this replica leads from the copy, or is starting: there is nothing to follow until it ends.</summary>
    public bool Taken => Volatile.Read(ref _taken) || Volatile.Read(ref _claimed);

    /// <summary>A term of this replica is starting and will take the copy: it is not dropped meanwhile.</summary>
    public void Claim() => Volatile.Write(ref _claimed, true);

    /// <summary>The term that claimed the copy did not begin (fenced, or Redis failed): following goes on.</summary>
    public void Unclaim() => Volatile.Write(ref _claimed, false);

    /// <summary>Catches up with the log if the copy is loaded and not taken.</summary>
    public async Task FollowAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_taken) return; // this replica leads: its term owns the fleet
            await RefreshAsync();
            await PrepareIndexesAsync();
        }
        finally
        {
            metrics.WarmCopy(keys.Partition, _fleet?.Count);
            _gate.Release();
        }
    }

    /// <summary>
    /// This replica is no longer one of the partition's warm standbys: free the copy (a term
    /// that leads from it keeps it). Following again starts from a fresh load.
    /// </summary>
    public async Task DropAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (Taken || _fleet is null) return;
            _fleet = null;
            FollowLog.Dropped(log);
        }
        finally
        {
            metrics.WarmCopy(keys.Partition, _fleet?.Count);
            _gate.Release();
        }
    }

    /// <summary>The term that took the copy has ended: follow again (from a fresh load).</summary>
    public async Task ReleaseAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _taken = false;
            _claimed = false;
            _fleet = null;
        }
        finally
        {
            metrics.WarmCopy(keys.Partition, _fleet?.Count);
            _gate.Release();
        }
    }

    /// <summary>
    /// Hands the copy, exactly current, to a leader whose term has begun (no other leader can
    /// commit any more, so the end of the log is the end). A copy is handed over only when
    /// Redis' change log ends exactly where the copy replayed it to; otherwise the hash is
    /// loaded. The follower starts over afterwards.
    /// </summary>
    public async Task<(Fleet Fleet, bool Warm, long Elapsed)> TakeAsync()
    {
        var started = Stopwatch.StartNew();
        await _gate.WaitAsync();
        try
        {
            var warm = _fleet is not null;
            await RefreshAsync();
            if (warm && await LogEndAsync(redis.GetDatabase()) is var (seq, position) && (seq != _seq || position != _position))
            {
                // The log is not where this copy replayed it to: Redis lost commits (a failover
                // to a lagging replica) or was replaced. Only the hash is the truth now.
                FollowLog.Diverged(log, _seq, (string?)_position ?? "", seq, (string?)position ?? "");
                warm = false;
                _fleet = null;
                await RefreshAsync();
            }

            var fleet = _fleet!;
            _fleet = null; // the leader edits it from now on; the follower reloads after the term
            _taken = true;
            return (fleet, warm, started.ElapsedMilliseconds);
        }
        finally
        {
            metrics.WarmCopy(keys.Partition, _fleet?.Count);
            _gate.Release();
        }
    }

    /// <summary>
    /// Loads or catches up. A catch-up applies nothing until both of its reads have answered,
    /// so a Redis failure (a failover, an outage) leaves the copy where it was and the next
    /// attempt goes on from there: a failover does not make every replica load the whole hash
    /// at the moment Redis is back. Any other failure drops the copy, so that a half-applied
    /// catch-up is never handed to a leader.
    /// </summary>
    private async Task RefreshAsync()
    {
        try
        {
            if (_fleet is null) await LoadAsync();
            else await CatchUpAsync();
        }
        catch (Exception e) when (e is not (RedisException or RedisTimeoutException))
        {
            _fleet = null;
            throw;
        }
    }

    /// <summary>Builds (and from then on maintains) the indexes the leader uses.</summary>
    private async Task PrepareIndexesAsync()
    {
        var shapes = (string?)await redis.GetDatabase().StringGetAsync(keys.IndexShapes) ?? "";
        if (shapes == _shapes || _fleet is null) return;
        _fleet.PrepareIndexes(IndexShape.FromJson(shapes));
        _shapes = shapes;
    }

    private async Task LoadAsync()
    {
        _shapes = ""; // a fresh copy has no index yet
        var started = Stopwatch.StartNew();
        var db = redis.GetDatabase();
        // Read the log position first: commits made during the load are replayed on top of it.
        var (seq, position) = await LogEndAsync(db);
        var fleet = new Fleet();
        foreach (var entry in await db.HashGetAllAsync(keys.GameServers))
        {
            if (Read(entry.Name!, entry.Value) is { } server) fleet.Load(server);
        }

        (_fleet, _seq, _position) = (fleet, seq, position);
        FollowLog.Loaded(log, fleet.Count, started.ElapsedMilliseconds);
        await CatchUpAsync();
    }

    private async Task CatchUpAsync()
    {
        var db = redis.GetDatabase();
        while (true)
        {
            var entries = await db.StreamRangeAsync(keys.Changes, Next(_position), "+", 512);
            if (entries.Length == 0) return;
            var changed = new HashSet<string>(StringComparer.Ordinal);
            var (seq, position) = (_seq, _position);
            foreach (var entry in entries)
            {
                var next = (long)entry["seq"];
                if (next != seq + 1)
                {
                    // The log was trimmed past us: start over from the hash.
                    FollowLog.Gap(log, seq, next);
                    _fleet = null;
                    await LoadAsync();
                    return;
                }

                seq = next;
                foreach (var key in ((string)entry["keys"]!).Split('\n', StringSplitOptions.RemoveEmptyEntries)) changed.Add(key);
                position = entry.Id;
            }

            var fields = changed.Select(k => (RedisValue)k).ToArray();
            var values = await db.HashGetAsync(keys.GameServers, fields);
            for (var i = 0; i < fields.Length; i++)
            {
                var key = (string)fields[i]!;
                if (Read(key, values[i]) is { } server) _fleet!.Load(server);
                else _fleet!.Unload(key);
            }

            // Only now, with every server of these entries applied, is the position ours.
            (_seq, _position) = (seq, position);

            if (entries.Length < 512) return;
        }
    }

    /// <summary>The log's sequence counter and last entry, read together (one transaction).</summary>
    private async Task<(long Seq, RedisValue Position)> LogEndAsync(IDatabase db)
    {
        var transaction = db.CreateTransaction();
        var seq = transaction.StringGetAsync(keys.ChangeSeq);
        var last = transaction.StreamRangeAsync(keys.Changes, "-", "+", 1, Order.Descending);
        await transaction.ExecuteAsync();
        var entries = await last;
        return ((long)await seq, entries.Length == 0 ? "0-0" : entries[0].Id);
    }

    private GameServer? Read(string key, RedisValue value)
    {
        if (!value.HasValue) return null;
        try
        {
            return GameServerJson.Deserialize(value!);
        }
        catch (System.Text.Json.JsonException e)
        {
            // One damaged entry must not stop the fleet; it stays out of the candidate set.
            FollowLog.Unreadable(log, key, e.Message);
            return null;
        }
    }

    // XRANGE is inclusive: start just after the last entry replayed.
    private static RedisValue Next(RedisValue position)
    {
        var id = (string)position!;
        var dash = id.IndexOf('-');
        return $"{id[..dash]}-{ulong.Parse(id[(dash + 1)..]) + 1}";
    }
}

/// <summary>
/// Replays the change log every FollowInterval while this replica is one of the partition's
/// warm standbys (<see cref="Leadership.WarmStandbys"/>), and drops the copy when it stops being
/// one, unless a term of its own has claimed it (<c>begin_term.lua</c> names the replica the
/// leader, so no standby, before its term takes the copy). Not before warm-up (which loads the
/// copy itself) nor once shutting down: a leader that hands over on SIGTERM would otherwise
/// reload the whole hash while its successor takes the first batches.
/// </summary>
public sealed class FleetFollowing(FleetFollower follower, Leadership.Membership membership, IOptions<ProcessingOptions> options, TimeProvider time, ILogger<FleetFollowing> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.FollowInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                if (!membership.Ready || follower.Taken) continue; // a leader need not ask whether it is a standby
                try
                {
                    if (await membership.IsWarmStandbyAsync()) await follower.FollowAsync();
                    else await follower.DropAsync();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The copy was dropped; the next tick loads it again.
                    log.Report(e, "Following the change log", FollowLog.Failed);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

internal static partial class FollowLog
{
    [LoggerMessage(2101, LogLevel.Warning, "Change log trimmed past this replica (had {Had}, next {Next}); reloading the hash")]
    public static partial void Gap(ILogger logger, long had, long next);

    [LoggerMessage(2105, LogLevel.Warning, "Warm copy replayed the change log to {Had} ({HadId}) but Redis' log ends at {Now} ({NowId}): Redis lost or replaced commits; loading the hash")]
    public static partial void Diverged(ILogger logger, long had, string hadId, long now, string nowId);

    [LoggerMessage(2104, LogLevel.Information, "Loaded {Count} game servers from the hash in {Elapsed} ms")]
    public static partial void Loaded(ILogger logger, int count, long elapsed);

    [LoggerMessage(2102, LogLevel.Warning, "Following the change log failed: {Reason}")]
    public static partial void Failed(ILogger logger, string reason);

    [LoggerMessage(2106, LogLevel.Information, "No longer a warm standby of this fleet: dropped its copy")]
    public static partial void Dropped(ILogger logger);

    [LoggerMessage(2103, LogLevel.Error, "Game server {Key} in the occupancy hash is unreadable and was skipped: {Reason}")]
    public static partial void Unreadable(ILogger logger, string key, string reason);
}
