using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>read_batch.lua: the fence check, then this consumer's next entries of both request streams.</summary>
public sealed class ReadBatchScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("read_batch");

    /// <summary>New entries (allocation stream first), or null when the lease or term is no longer ours.</summary>
    public async Task<IReadOnlyList<StreamEntry>?> RunAsync(IDatabaseAsync db, string lockId, long epoch, string consumer, int count)
    {
        var reply = (RedisResult[])(await _script.RunAsync(db,
            [keys.Leader, keys.Epoch, keys.Requests, keys.Inventory],
            [lockId, epoch, KeyLayout.ProcessorGroup, consumer, count]))!;
        if ((string?)reply[0] == "fenced") return null;

        var entries = new List<StreamEntry>();
        if (reply[1].IsNull) return entries;
        var requests = keys.Requests.ToString();
        foreach (RedisResult streamReply in (RedisResult[])reply[1]!)
        {
            var parts = (RedisResult[])streamReply!;
            var inventory = (string?)parts[0] != requests;
            foreach (RedisResult entry in (RedisResult[])parts[1]!)
            {
                var pair = (RedisResult[])entry!;
                var fields = (RedisResult[])pair[1]!;
                var values = new KeyValuePair<string, string>[fields.Length / 2];
                for (var i = 0; i < values.Length; i++) values[i] = new((string)fields[2 * i]!, (string)fields[2 * i + 1]!);
                entries.Add(new StreamEntry(inventory, (string)pair[0]!, values));
            }
        }

        return entries;
    }
}

/// <summary>One entry of a request stream: the allocation stream, or the inventory stream.</summary>
public sealed record StreamEntry(bool Inventory, string Id, IReadOnlyList<KeyValuePair<string, string>> Fields);
