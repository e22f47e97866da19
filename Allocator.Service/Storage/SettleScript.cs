using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>settle.lua: the front's last word on a call at its deadline (the stored answer, or its own error stored as the answer).</summary>
public sealed class SettleScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("settle");

    /// <param name="heldMarkers">Kubernetes mode: an answer still waiting for Kubernetes is not settled.</param>
    /// <param name="replicatedMark">MinReplicas &gt; 0: a stored answer of a commit not yet replicated is not handed out.</param>
    /// <returns>The answer now stored for the request, or <paramref name="notFinal"/>.</returns>
    public async Task<string> RunAsync(IDatabaseAsync db, string requestId, bool heldMarkers, bool replicatedMark, string whenLeading, string whenLeaderless, TimeSpan errorTtl, string notFinal)
    {
        var keyList = new List<RedisKey>(4) { keys.Result(requestId), keys.Leader };
        var held = heldMarkers ? Add(keyList, keys.Held(requestId)) : 0;
        var replicated = replicatedMark ? Add(keyList, keys.Replicated) : 0;
        return (string)(await _script.RunAsync(db, [.. keyList], [whenLeading, whenLeaderless, (long)errorTtl.TotalMilliseconds, notFinal, held, replicated]))!;
    }

    /// <summary>Adds <paramref name="key"/>; its 1-based index in KEYS.</summary>
    private static int Add(List<RedisKey> keyList, RedisKey key)
    {
        keyList.Add(key);
        return keyList.Count;
    }
}
