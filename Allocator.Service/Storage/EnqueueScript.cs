using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>enqueue.lua: queue requests and wake the leader, except those whose id already has an answer.</summary>
public sealed class EnqueueScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("enqueue");

    /// <summary>One request to queue: its id and its stream entry's fields (the same fields, in the same order, for every request of a call).</summary>
    public readonly record struct Entry(string RequestId, IReadOnlyList<KeyValuePair<string, RedisValue>> Fields);

    /// <summary>The stored answer (JSON) when the id already has a final one; null when the request was queued.</summary>
    /// <param name="replicatedMark">MinReplicas &gt; 0: an answer of a commit not yet replicated is not final (the request is queued again).</param>
    public async Task<string?> RunAsync(IDatabaseAsync db, bool inventory, string requestId, IReadOnlyList<KeyValuePair<string, RedisValue>> fields, bool replicatedMark = false) =>
        (await RunAsync(db, inventory, [new Entry(requestId, fields)], replicatedMark))[0];

    /// <summary>Queues every entry in one call; per entry, its stored final answer or null (queued).</summary>
    public async Task<string?[]> RunAsync(IDatabaseAsync db, bool inventory, IReadOnlyList<Entry> entries, bool replicatedMark = false)
    {
        var perEntry = entries[0].Fields.Count;
        var args = new RedisValue[3 + 2 * perEntry * entries.Count];
        (args[0], args[1], args[2]) = (keys.Wake.ToString(), replicatedMark ? 1 : 0, perEntry);
        var keyList = new RedisKey[2 + entries.Count];
        (keyList[0], keyList[1]) = (inventory ? keys.Inventory : keys.Requests, keys.Replicated);
        var at = 3;
        for (var e = 0; e < entries.Count; e++)
        {
            var fields = entries[e].Fields;
            if (fields.Count != perEntry) throw new ArgumentException("every entry of one enqueue has the same fields", nameof(entries));
            keyList[2 + e] = keys.Result(entries[e].RequestId);
            foreach (var (field, value) in fields) (args[at++], args[at++]) = (field, value);
        }

        // Only the requests that already had a final answer come back: (position, answer) pairs.
        var reply = (RedisResult[])(await _script.RunAsync(db, keyList, args))!;
        var answers = new string?[entries.Count];
        for (var i = 0; i + 1 < reply.Length; i += 2) answers[(int)reply[i] - 1] = (string)reply[i + 1]!;
        return answers;
    }
}
