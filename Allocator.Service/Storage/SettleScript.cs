using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>settle.lua: the front's last word on a call at its deadline (the stored answer, or its own error stored as the answer).</summary>
public sealed class SettleScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("settle");

    /// <param name="heldMarkers">Kubernetes mode: an answer still waiting for Kubernetes is not settled (<paramref name="whileHeld"/> is returned).</param>
    /// <returns>The answer now stored for the request, or <paramref name="whileHeld"/>.</returns>
    public async Task<string> RunAsync(IDatabaseAsync db, string requestId, bool heldMarkers, string whenLeading, string whenLeaderless, TimeSpan errorTtl, string whileHeld)
    {
        RedisKey[] keyList = heldMarkers
            ? [keys.Result(requestId), keys.Leader, keys.Held(requestId)]
            : [keys.Result(requestId), keys.Leader];
        return (string)(await _script.RunAsync(db, keyList, [whenLeading, whenLeaderless, (long)errorTtl.TotalMilliseconds, whileHeld]))!;
    }
}
