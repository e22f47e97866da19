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
/// replies grouped by replica. Returns false, having written nothing, when the lease is gone.
/// </summary>
public sealed class BatchCommitter(KeyLayout keys, Scripts scripts, IOptions<AllocatorOptions> options)
{
    public async Task<bool> CommitAsync(IDatabase db, Lease lease, DecidedBatch batch)
    {
        var fresh = batch.Answers.Where(a => !a.AlreadyStored).ToList();
        var keyList = new List<RedisKey>(4 + fresh.Count) { keys.Leader, keys.GameServers, keys.Requests, keys.Inventory };
        keyList.AddRange(fresh.Select(a => keys.Result(a.Request.RequestId)));

        var args = new List<RedisValue>(16 + batch.Changed.Count * 2 + batch.Answers.Count * 3)
        {
            lease.LockId,
            KeyLayout.ProcessorGroup,
            (long)options.Value.ResultTtl.TotalMilliseconds,
            (long)options.Value.RequestHistory.TotalMilliseconds,
            batch.Changed.Count,
        };
        foreach (var server in batch.Changed)
        {
            args.Add(server.Key);
            args.Add(GameServerJson.Serialize(server));
        }

        args.Add(batch.Removed.Count);
        args.AddRange(batch.Removed.Select(k => (RedisValue)k));
        args.AddRange(fresh.Select(a => (RedisValue)Outcomes.ToJson(a.Outcome)));
        AddAcks(args, batch, RequestKind.Allocation);
        AddAcks(args, batch, RequestKind.Inventory);

        var replies = batch.Answers
            .Where(a => a.Request.Replica.Length > 0)
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
        return (string?)result == "ok";
    }

    private static void AddAcks(List<RedisValue> args, DecidedBatch batch, RequestKind kind)
    {
        var ids = batch.Answers.Where(a => a.Request.Kind == kind).Select(a => (RedisValue)a.Request.StreamId).ToList();
        args.Add(ids.Count);
        args.AddRange(ids);
    }
}
