using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// commit.lua: one decided batch, atomically: fence, game servers (and the change log), results,
/// Kubernetes mode's outbox entry and watch positions, XACK, replies grouped by replica.
/// Anything but <see cref="CommitStatus.Committed"/> wrote nothing.
/// </summary>
public sealed class CommitScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("commit");

    public async Task<CommitResult> RunAsync(IDatabaseAsync db, CommitWrite write)
    {
        var held = write.Results.Count(r => r.OutcomeJson is null);
        var kubernetes = write.Kubernetes is not null;
        var keyList = new RedisKey[8 + write.Results.Count + held + (kubernetes ? 2 : 0)];
        (keyList[0], keyList[1], keyList[2], keyList[3], keyList[4], keyList[5], keyList[6], keyList[7]) =
            (keys.Leader, keys.Epoch, keys.GameServers, keys.Requests, keys.Inventory, keys.Changes, keys.ChangeSeq, keys.Commit);
        var k = 8;
        foreach (var result in write.Results) keyList[k++] = keys.Result(result.RequestId);
        foreach (var result in write.Results) if (result.OutcomeJson is null) keyList[k++] = keys.Held(result.RequestId);
        if (kubernetes) (keyList[k], keyList[k + 1]) = (keys.Outbox, keys.WatchPositions);

        var args = new List<RedisValue>(16 + write.Changed.Count * 2 + write.Results.Count * 2 + write.RequestAcks.Count + write.Replies.Count * 2)
        {
            write.LockId,
            write.Epoch,
            KeyLayout.ProcessorGroup,
            (long)write.RequestHistory.TotalMilliseconds,
            write.ChangeLogLength,
            write.Results.Count,
            held,
            kubernetes ? 1 : 0,
            write.Commit - 1,
            write.Changed.Count,
        };
        foreach (var (field, json) in write.Changed)
        {
            args.Add(field);
            args.Add(json);
        }

        args.Add(write.Removed.Count);
        foreach (var field in write.Removed) args.Add(field);
        if (write.Kubernetes is { } k8s)
        {
            args.Add(k8s.OutboxId ?? "");
            args.Add(k8s.OutboxAtUnixMs);
            args.Add(k8s.OutboxChangesJson ?? "");
            args.Add(k8s.WatchPositions.Count);
            foreach (var (scope, resourceVersion) in k8s.WatchPositions)
            {
                args.Add(scope);
                args.Add(resourceVersion);
            }
        }

        foreach (var result in write.Results)
        {
            args.Add(result.OutcomeJson ?? "");
            args.Add((long)result.Ttl.TotalMilliseconds);
        }

        AddIds(args, write.RequestAcks);
        AddIds(args, write.InventoryAcks);
        args.Add(write.Replies.Count);
        foreach (var (channel, payload) in write.Replies)
        {
            args.Add(channel.ToString());
            args.Add(payload);
        }

        var reply = await _script.RunAsync(db, keyList, [.. args]);
        if (reply.Resp2Type == ResultType.Array)
        {
            var conflicts = ((RedisResult[])reply!).Skip(1).Select(i => write.Results[(int)i - 1].RequestId).ToList();
            return new CommitResult(CommitStatus.Conflict, conflicts);
        }

        return (string?)reply switch
        {
            "ok" => CommitResult.Committed,
            "fenced" => new CommitResult(CommitStatus.Fenced, []),
            "behind" => new CommitResult(CommitStatus.Behind, []),
            _ => new CommitResult(CommitStatus.NoGroup, []),
        };
    }

    /// <summary>The count, the newest id (so the script need not compare them all), the ids.</summary>
    private static void AddIds(List<RedisValue> args, IReadOnlyList<string> ids)
    {
        args.Add(ids.Count);
        if (ids.Count == 0) return;
        var newest = ids[0];
        for (var i = 1; i < ids.Count; i++)
        {
            if (StreamIds.Older(newest, ids[i])) newest = ids[i];
        }

        args.Add(newest);
        foreach (var id in ids) args.Add(id);
    }
}

/// <summary>Everything one commit writes, by name; <see cref="Commit"/> is its number (the counter as the leader left it, plus one).</summary>
public sealed record CommitWrite(string LockId, long Epoch, long Commit)
{
    public TimeSpan RequestHistory { get; init; }
    public int ChangeLogLength { get; init; } = 10_000;
    /// <summary>Game servers written: hash field and JSON.</summary>
    public IReadOnlyList<(string Field, string Json)> Changed { get; init; } = [];
    /// <summary>Game servers deleted (hash fields).</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];
    /// <summary>One per newly decided request.</summary>
    public IReadOnlyList<ResultWrite> Results { get; init; } = [];
    /// <summary>Stream ids acknowledged on the request stream.</summary>
    public IReadOnlyList<string> RequestAcks { get; init; } = [];
    /// <summary>Stream ids acknowledged on the inventory stream.</summary>
    public IReadOnlyList<string> InventoryAcks { get; init; } = [];
    /// <summary>One message per replica channel, published by the commit itself (none when they wait for replication).</summary>
    public IReadOnlyList<(RedisChannel Channel, byte[] Payload)> Replies { get; init; } = [];
    /// <summary>Kubernetes mode's part of the commit; null in stand-alone mode (its keys are then not passed).</summary>
    public KubernetesWrite? Kubernetes { get; init; }
}

/// <summary>A request's answer: <see cref="OutcomeJson"/> null means held for the write-back (its held marker is set instead).</summary>
public sealed record ResultWrite(string RequestId, string? OutcomeJson, TimeSpan Ttl);

/// <summary>The outbox entry (id null: none) and the watch positions committed with a batch.</summary>
public sealed record KubernetesWrite(string? OutboxId, long OutboxAtUnixMs, string? OutboxChangesJson, IReadOnlyDictionary<string, string> WatchPositions);

public enum CommitStatus
{
    Committed,
    /// <summary>The lease or the term is no longer ours.</summary>
    Fenced,
    /// <summary>The commit counter is not where this leader left it: Redis lost writes (a failover to a lagging replica).</summary>
    Behind,
    /// <summary>A request stream or its consumer group is gone.</summary>
    NoGroup,
    /// <summary>Some requests already have a result (their front gave up at the deadline).</summary>
    Conflict,
    /// <summary>Committed, but MinReplicas replicas did not acknowledge it while the lease was ours: its answers were not sent.</summary>
    Unreplicated,
}

public sealed record CommitResult(CommitStatus Status, IReadOnlyList<string> ConflictingRequests)
{
    public static readonly CommitResult Committed = new(CommitStatus.Committed, []);
}
