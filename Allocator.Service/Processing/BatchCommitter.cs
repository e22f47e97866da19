using Allocator.Queue.V1;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Commits a decided batch with one script (<see cref="CommitScript"/>): fence, game servers,
/// results, the inventory source's part, XACK, replies grouped by replica. Anything but
/// <see cref="CommitStatus.Committed"/> wrote nothing.
/// </summary>
public sealed class BatchCommitter(KeyLayout keys, CommitScript commit, IOptions<ProcessingOptions> processing, IOptions<QueueOptions> queue, TimeProvider time)
{
    public Task<CommitResult> CommitAsync(IDatabaseAsync db, Lease lease, DecidedBatch batch, IInventoryTerm? source = null)
    {
        var write = Write(lease, batch);
        return commit.RunAsync(db, source is null ? write : source.Committing(write, time.GetUtcNow()));
    }

    private CommitWrite Write(Lease lease, DecidedBatch batch)
    {
        var results = new List<ResultWrite>(batch.Answers.Count);
        var requestAcks = new List<string>(batch.Answers.Count);
        var inventoryAcks = new List<string>();
        foreach (var answer in batch.Answers)
        {
            (answer.Request.Kind == RequestKind.Allocation ? requestAcks : inventoryAcks).Add(answer.Request.StreamId);
            if (answer.AlreadyStored) continue;
            // A held answer is stored by the source once it confirms the allocation; until then
            // its held marker lives (at most as long as the answer would). An allocation's answer
            // is kept for idempotent retries; an error (no effect) only long enough to fence late
            // commits and re-answer lost replies.
            var ttl = answer.Outcome.Code == 0 ? queue.Value.ResultTtl : queue.Value.ErrorResultTtl;
            results.Add(new ResultWrite(answer.Request.RequestId, answer.Held ? null : Outcomes.ToJson(answer.Outcome), ttl));
        }

        var replies = batch.Answers
            .Where(a => a.Request.Replica.Length > 0 && !a.Held)
            .GroupBy(a => a.Request.Replica)
            .Select(group =>
            {
                var message = new ReplyBatch();
                message.Replies.AddRange(group.Select(a => new Reply { RequestId = a.Request.RequestId, Outcome = a.Outcome }));
                return (keys.Reply(group.Key), message.ToByteArray());
            })
            .ToList();

        return new CommitWrite(lease.LockId, lease.Epoch)
        {
            RequestHistory = processing.Value.RequestHistory,
            ChangeLogLength = processing.Value.ChangeLogLength,
            Changed = batch.Changed.Select(s => (s.Key, GameServerJson.Serialize(s))).ToList(),
            Removed = batch.Removed,
            Results = results,
            RequestAcks = requestAcks,
            InventoryAcks = inventoryAcks,
            Replies = replies,
        };
    }
}
