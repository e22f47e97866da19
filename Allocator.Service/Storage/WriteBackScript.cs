using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// write_back.lua: finish a Kubernetes write-back pass, fenced: store and send the answers that
/// waited, queue again the requests whose game server was gone, drop the finished outbox entries.
/// </summary>
public sealed class WriteBackScript(KeyLayout keys)
{
    private readonly RedisScript _script = RedisScript.Load("write_back");

    /// <summary>Null when fenced (nothing written); else how many answers were late (their result key was already set, so neither stored nor sent).</summary>
    public async Task<long?> RunAsync(IDatabaseAsync db, WriteBackFinish finish)
    {
        var keyList = new List<RedisKey>(4 + 2 * finish.Answers.Count + finish.Requeued.Count) { keys.Leader, keys.Epoch, keys.Outbox, keys.Requests };
        keyList.AddRange(finish.Answers.Select(a => keys.Result(a.RequestId)));
        keyList.AddRange(finish.Answers.Select(a => keys.Held(a.RequestId)));
        keyList.AddRange(finish.Requeued.Select(r => keys.Held(r.RequestId)));

        var args = new List<RedisValue> { finish.LockId, finish.Epoch, (long)finish.ResultTtl.TotalMilliseconds, keys.Wake.ToString(), finish.Answers.Count };
        foreach (var answer in finish.Answers)
        {
            args.Add(answer.OutcomeJson);
            args.Add(answer.Replica is { } replica ? keys.Reply(replica).ToString() : "");
            args.Add(answer.ReplyPayload);
        }

        args.Add(finish.Requeued.Count);
        foreach (var request in finish.Requeued)
        {
            args.Add(2 * request.Fields.Count);
            foreach (var (name, value) in request.Fields)
            {
                args.Add(name);
                args.Add(value);
            }
        }

        args.Add(finish.FinishedEntries.Count);
        foreach (var id in finish.FinishedEntries) args.Add(id);

        var reply = await _script.RunAsync(db, [.. keyList], [.. args]);
        return reply.Resp2Type == ResultType.Array ? (long)((RedisResult[])reply!)[1] : null;
    }
}

/// <summary>What one write-back pass finishes, by name.</summary>
public sealed record WriteBackFinish(string LockId, long Epoch, TimeSpan ResultTtl)
{
    public IReadOnlyList<FinishedAnswer> Answers { get; init; } = [];
    public IReadOnlyList<RequeuedRequest> Requeued { get; init; } = [];
    /// <summary>Outbox entry ids to delete.</summary>
    public IReadOnlyList<string> FinishedEntries { get; init; } = [];
}

/// <summary>An answer to store; sent (one message) to <see cref="Replica"/>'s reply channel when it could be stored.</summary>
public sealed record FinishedAnswer(string RequestId, string OutcomeJson, string? Replica, byte[] ReplyPayload);

/// <summary>A request to queue again, with its stream entry's fields.</summary>
public sealed record RequeuedRequest(string RequestId, IReadOnlyList<KeyValuePair<string, RedisValue>> Fields);
