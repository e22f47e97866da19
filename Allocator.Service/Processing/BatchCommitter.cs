using Allocator.Queue.V1;
using Allocator.Service.Hosting;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Commits a decided batch with one script (commit.lua): fence, game servers, results, XACK,
/// replies grouped by replica. Anything but <see cref="CommitStatus.Committed"/> wrote nothing.
/// </summary>
public sealed class BatchCommitter(KeyLayout keys, Scripts scripts, IOptions<AllocatorOptions> options)
{
    public async Task<CommitResult> CommitAsync(IDatabase db, Lease lease, DecidedBatch batch)
    {
        var fresh = batch.Answers.Where(a => !a.AlreadyStored).ToList();
        var keyList = new List<RedisKey>(9 + fresh.Count) { keys.Leader, keys.Epoch, keys.GameServers, keys.Requests, keys.Inventory, keys.Changes, keys.ChangeSeq, keys.Outbox, keys.WatchPositions };
        keyList.AddRange(fresh.Select(a => keys.Result(a.Request.RequestId)));
        keyList.AddRange(fresh.Where(a => a.Held).Select(a => keys.Held(a.Request.RequestId)));

        var args = new List<RedisValue>(16 + batch.Changed.Count * 2 + batch.Answers.Count * 4)
        {
            lease.LockId,
            lease.Epoch,
            KeyLayout.ProcessorGroup,
            (long)options.Value.RequestHistory.TotalMilliseconds,
            options.Value.ChangeLogLength,
            fresh.Count,
            batch.Changed.Count,
        };
        foreach (var server in batch.Changed)
        {
            args.Add(server.Key);
            args.Add(GameServerJson.Serialize(server));
        }

        args.Add(batch.Removed.Count);
        args.AddRange(batch.Removed.Select(k => (RedisValue)k));
        args.Add(batch.Outbox?.Id ?? "");
        args.Add(batch.Outbox?.AtUnixMs ?? 0);
        args.Add(batch.Outbox?.ChangesJson ?? "");
        args.Add(batch.WatchPositions.Count);
        foreach (var (scope, resourceVersion) in batch.WatchPositions)
        {
            args.Add(scope);
            args.Add(resourceVersion);
        }

        foreach (var answer in fresh)
        {
            // A held answer is stored by the write-back once Kubernetes has the allocation; until
            // then its held marker lives (at most as long as the answer would).
            args.Add(answer.Held ? "" : Outcomes.ToJson(answer.Outcome));
            // An allocation's answer is kept for idempotent retries; an error (no effect) only
            // long enough to fence late commits and re-answer lost replies.
            var ttl = answer.Outcome.Code == 0 ? options.Value.ResultTtl : options.Value.ErrorResultTtl;
            args.Add((long)ttl.TotalMilliseconds);
        }

        AddAcks(args, batch, RequestKind.Allocation);
        AddAcks(args, batch, RequestKind.Inventory);

        var replies = batch.Answers
            .Where(a => a.Request.Replica.Length > 0 && !a.Held)
            .GroupBy(a => a.Request.Replica)
            .ToList();
        args.Add(replies.Count);
        foreach (var group in replies)
        {
            var message = new ReplyBatch();
            message.Replies.AddRange(group.Select(a => new Reply { RequestId = a.Request.RequestId, Outcome = a.Outcome }));
            args.Add(keys.Reply(group.Key).ToString());
            args.Add(message.ToByteArray());
        }

        var result = await scripts.Commit.RunAsync(db, keyList.ToArray(), args.ToArray());
        if (result.Resp2Type == ResultType.Array)
        {
            var conflicts = ((RedisResult[])result!).Skip(1).Select(k => fresh[(int)k - 1].Request.RequestId).ToList();
            return new CommitResult(CommitStatus.Conflict, conflicts);
        }

        return (string?)result switch
        {
            "ok" => CommitResult.Committed,
            "fenced" => new CommitResult(CommitStatus.Fenced, []),
            _ => new CommitResult(CommitStatus.NoGroup, []),
        };
    }

    private static void AddAcks(List<RedisValue> args, DecidedBatch batch, RequestKind kind)
    {
        var ids = batch.Answers.Where(a => a.Request.Kind == kind).Select(a => (RedisValue)a.Request.StreamId).ToList();
        args.Add(ids.Count);
        args.AddRange(ids);
    }
}

public enum CommitStatus
{
    Committed,
    /// <summary>The lease or the term is no longer ours.</summary>
    Fenced,
    /// <summary>A request stream or its consumer group is gone.</summary>
    NoGroup,
    /// <summary>Some requests already have a result (their front gave up at the deadline).</summary>
    Conflict,
}

public sealed record CommitResult(CommitStatus Status, IReadOnlyList<string> ConflictingRequests)
{
    public static readonly CommitResult Committed = new(CommitStatus.Committed, []);
}
