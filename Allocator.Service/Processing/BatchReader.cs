using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Reads the leader's next batch: first what earlier consumers left pending (XAUTOCLAIM),
/// then new entries (XREADGROUP, fenced by the lease in the same script). Also fetches the
/// results that already exist for the batch's request ids, so nothing is decided twice.
/// </summary>
public sealed class BatchReader(KeyLayout keys, ReadBatchScript readBatch, ReplicaIdentity replica)
{
    private readonly Dictionary<RequestKind, RedisValue> _claimCursor = new()
    {
        [RequestKind.Inventory] = "0-0",
        [RequestKind.Allocation] = "0-0",
    };

    /// <summary>True until both streams' pending lists have been claimed once this term.</summary>
    public bool Claiming => _claimCursor.Count > 0;

    public async Task<IReadOnlyList<QueuedRequest>> ClaimAsync(IDatabase db, int count)
    {
        // Both streams in one round trip.
        var claims = _claimCursor.Keys.ToList().Select(kind => (Kind: kind, Claim: db.StreamAutoClaimAsync(
            kind == RequestKind.Allocation ? keys.Requests : keys.Inventory, KeyLayout.ProcessorGroup, replica.Id, 0, _claimCursor[kind], count))).ToList();
        await Task.WhenAll(claims.Select(c => c.Claim));

        var batch = new List<QueuedRequest>();
        foreach (var (kind, claim) in claims)
        {
            var claimed = await claim;
            batch.AddRange(claimed.ClaimedEntries.Where(e => !e.IsNull).Select(e => Parse(kind, e.Id!, e.Values.Select(v => ((string)v.Name!, (string)v.Value!)))));
            if (claimed.NextStartId == "0-0") _claimCursor.Remove(kind);
            else _claimCursor[kind] = claimed.NextStartId;
        }

        return batch;
    }

    /// <summary>New entries, or null when the lease is no longer ours.</summary>
    public async Task<IReadOnlyList<QueuedRequest>?> ReadAsync(IDatabase db, Lease lease, int count)
    {
        var entries = await readBatch.RunAsync(db, lease.LockId, lease.Epoch, replica.Id, count);
        return entries?.Select(e => Parse(e.Inventory ? RequestKind.Inventory : RequestKind.Allocation, e.Id, e.Fields.Select(f => (f.Key, f.Value)))).ToList();
    }

    /// <summary>request id -> stored outcome JSON, for the ids of this batch that already have one.</summary>
    public async Task<Dictionary<string, string>> StoredResultsAsync(IDatabase db, IReadOnlyList<QueuedRequest> batch)
    {
        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        if (batch.Count == 0) return stored;
        var values = await db.StringGetAsync(batch.Select(r => keys.Result(r.RequestId)).ToArray());
        for (var i = 0; i < batch.Count; i++)
        {
            if (values[i].HasValue) stored[batch[i].RequestId] = values[i]!;
        }

        return stored;
    }

    private static QueuedRequest Parse(RequestKind kind, string streamId, IEnumerable<(string Name, string Value)> fields)
    {
        string id = "", replica = "", traceParent = "", payload = "";
        long deadline = 0;
        foreach (var (name, value) in fields)
        {
            switch (name)
            {
                case EntryFields.Id: id = value; break;
                case EntryFields.Replica: replica = value; break;
                case EntryFields.Deadline: long.TryParse(value, out deadline); break;
                case EntryFields.TraceParent: traceParent = value; break;
                case EntryFields.Request: payload = value; break;
            }
        }

        return new QueuedRequest(kind, streamId, id.Length > 0 ? id : streamId, replica, deadline, traceParent, payload);
    }
}
