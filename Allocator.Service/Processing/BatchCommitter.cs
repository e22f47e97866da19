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
/// <see cref="CommitStatus.Committed"/> wrote nothing. When answers wait for replication
/// (MinReplicas &gt; 0) the results carry the commit's number, and the replies go out only
/// after <c>WAIT</c>, with the replicated mark (<see cref="ReleaseScript"/>).
/// </summary>
public sealed class BatchCommitter(
    KeyLayout keys,
    CommitScript commit,
    ReleaseScript release,
    ReplicaAcks acks,
    IOptions<ProcessingOptions> processing,
    IOptions<QueueOptions> queue,
    TimeProvider time)
{
    /// <param name="number">This commit's number: the commit counter as this leader left it, plus one.</param>
    public async Task<CommitResult> CommitAsync(IDatabaseAsync db, Lease lease, long number, DecidedBatch batch, IInventoryTerm? source = null)
    {
        var write = Write(lease, number, batch);
        if (source is not null) write = source.Committing(write, time.GetUtcNow());
        if (!acks.Required) return await commit.RunAsync(db, write);

        var result = await commit.RunAsync(db, write with { Replies = [] });
        if (result.Status != CommitStatus.Committed) return result;
        if (!await acks.WaitAsync(db, keys.Commit, () => lease.StillHeld)) return new CommitResult(CommitStatus.Unreplicated, []);
        await release.RunAsync(db, number, write.Replies);
        return result;
    }

    private CommitWrite Write(Lease lease, long number, DecidedBatch batch)
    {
        var numbered = acks.Required;
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
            if (numbered) answer.Outcome.Commit = (ulong)number;
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

        return new CommitWrite(lease.LockId, lease.Epoch, number)
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
