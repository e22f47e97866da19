using Allocator.Service.Queue;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Processing;

/// <summary>
/// Reads the leader's next batch: new entries (XREADGROUP), and, at term start and then every
/// <see cref="ReclaimInterval"/>, what other consumers left pending (XAUTOCLAIM). Reads are
/// not fenced (the commit is): a replica that read after losing its term leaves its entries
/// pending, and the leader's next sweep takes them. Also fetches the results that already
/// exist for the batch's request ids, so nothing is decided twice.
/// </summary>
public sealed class BatchReader(KeyLayout keys, ReplicaIdentity replica, TimeProvider time)
{
    /// <summary>How often the leader sweeps the pending lists: the longest a request read by a deposed leader waits.</summary>
    public static readonly TimeSpan ReclaimInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<RequestKind, RedisValue> _claimCursor = new()
    {
        [RequestKind.Inventory] = "0-0",
        [RequestKind.Allocation] = "0-0",
    };

    private long _sweepStarted = time.GetTimestamp();

    /// <summary>True while a sweep of the pending lists is under way.</summary>
    public bool Claiming => _claimCursor.Count > 0;

    /// <summary>The next batch: pending entries while a sweep is under way, else new entries.</summary>
    public async Task<IReadOnlyList<QueuedRequest>> NextAsync(IDatabase db, int count)
    {
        if (!Claiming && time.GetElapsedTime(_sweepStarted) >= ReclaimInterval)
        {
            // Between batches this term has nothing pending of its own: whatever is pending
            // was read by a replica whose term ended (its commit is fenced).
            _claimCursor[RequestKind.Allocation] = "0-0";
            _claimCursor[RequestKind.Inventory] = "0-0";
            _sweepStarted = time.GetTimestamp();
        }

        return Claiming ? await ClaimAsync(db, count) : await ReadAsync(db, count);
    }

    /// <summary>The next entries of the sweep under way (XAUTOCLAIM of what any consumer left pending).</summary>
    public async Task<IReadOnlyList<QueuedRequest>> ClaimAsync(IDatabase db, int count)
    {
        // Both streams in one round trip.
        var claims = _claimCursor.Keys.ToList().Select(kind => (Kind: kind, Claim: db.StreamAutoClaimAsync(
            StreamOf(kind), KeyLayout.ProcessorGroup, replica.Id, 0, _claimCursor[kind], count))).ToList();
        await Task.WhenAll(claims.Select(c => c.Claim));

        var batch = new List<QueuedRequest>();
        foreach (var (kind, claim) in claims)
        {
            var claimed = await claim;
            batch.AddRange(claimed.ClaimedEntries.Where(e => !e.IsNull).Select(e => Parse(kind, e)));
            if (claimed.NextStartId == "0-0") _claimCursor.Remove(kind);
            else _claimCursor[kind] = claimed.NextStartId;
        }

        return batch;
    }

    /// <summary>New entries of both streams for this consumer.</summary>
    public async Task<IReadOnlyList<QueuedRequest>> ReadAsync(IDatabase db, int count)
    {
        var streams = await db.StreamReadGroupAsync(
            [new StreamPosition(keys.Requests, StreamPosition.NewMessages), new StreamPosition(keys.Inventory, StreamPosition.NewMessages)],
            KeyLayout.ProcessorGroup, replica.Id, count);
        var batch = new List<QueuedRequest>();
        foreach (var stream in streams)
        {
            var kind = stream.Key == keys.Requests ? RequestKind.Allocation : RequestKind.Inventory;
            foreach (var entry in stream.Entries) batch.Add(Parse(kind, entry));
        }

        return batch;
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

    private RedisKey StreamOf(RequestKind kind) => kind == RequestKind.Allocation ? keys.Requests : keys.Inventory;

    private static QueuedRequest Parse(RequestKind kind, StreamEntry entry)
    {
        string id = "", replica = "", traceParent = "", payload = "";
        long deadline = 0;
        foreach (var field in entry.Values)
        {
            var value = (string?)field.Value ?? "";
            switch ((string?)field.Name)
            {
                case EntryFields.Id: id = value; break;
                case EntryFields.Replica: replica = value; break;
                case EntryFields.Deadline: long.TryParse(value, out deadline); break;
                case EntryFields.TraceParent: traceParent = value; break;
                case EntryFields.Request: payload = value; break;
            }
        }

        var streamId = (string)entry.Id!;
        return new QueuedRequest(kind, streamId, id.Length > 0 ? id : streamId, replica, deadline, traceParent, payload);
    }
}
