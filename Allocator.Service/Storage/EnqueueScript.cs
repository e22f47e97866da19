using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>enqueue.lua: queue one request and wake the leader, unless its id already has an answer.</summary>
public sealed class EnqueueScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("enqueue");

    /// <summary>The stored answer (JSON) when the id already has a final one; null when the request was queued.</summary>
    /// <param name="replicatedMark">MinReplicas &gt; 0: an answer of a commit not yet replicated is not final (the request is queued again).</param>
    public async Task<string?> RunAsync(IDatabaseAsync db, bool inventory, string requestId, IReadOnlyList<KeyValuePair<string, RedisValue>> fields, bool replicatedMark = false)
    {
        var args = new RedisValue[1 + 2 * fields.Count];
        args[0] = keys.Wake.ToString();
        for (var i = 0; i < fields.Count; i++) (args[1 + 2 * i], args[2 + 2 * i]) = (fields[i].Key, fields[i].Value);
        RedisKey[] keyList = replicatedMark
            ? [inventory ? keys.Inventory : keys.Requests, keys.Result(requestId), keys.Replicated]
            : [inventory ? keys.Inventory : keys.Requests, keys.Result(requestId)];
        var reply = (RedisResult[])(await _script.RunAsync(db, keyList, args))!;
        return (string?)reply[0] == "result" ? (string)reply[1]! : null;
    }
}
