using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>release.lua: after <c>WAIT</c>, raise the replicated mark to a commit and publish its answers.</summary>
public sealed class ReleaseScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("release");

    /// <returns>The replicated mark afterwards.</returns>
    public async Task<long> RunAsync(IDatabaseAsync db, long commit, IReadOnlyList<(RedisChannel Channel, byte[] Payload)> replies)
    {
        var args = new RedisValue[1 + 2 * replies.Count];
        args[0] = commit;
        for (var i = 0; i < replies.Count; i++) (args[1 + 2 * i], args[2 + 2 * i]) = (replies[i].Channel.ToString(), replies[i].Payload);
        return (long)await _script.RunAsync(db, [keys.Replicated], args);
    }
}
