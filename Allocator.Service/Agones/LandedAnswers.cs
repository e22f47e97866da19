using System.Threading.Channels;
using Allocator.Queue.V1;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Google.Protobuf;
using StackExchange.Redis;

namespace Allocator.Service.Agones;

/// <summary>
/// One write-back pass: stores and sends the answers of each game server as soon as its patch
/// landed, while other servers of the pass are still being patched, so one slow server holds no
/// other server's callers. Answers that land while a store runs go together in the next one
/// (fenced, like every write-back script). Answers whose store failed or was fenced are kept
/// for the pass's final script, which also drops the outbox entries; storing an answer twice
/// is harmless (the script keeps the first).
/// </summary>
internal sealed class LandedAnswers(IDatabase db, WriteBackScript finish, Lease lease, WriteBackLedger ledger, TimeSpan resultTtl)
{
    private readonly Channel<HeldAnswer> _landed = Channel.CreateUnbounded<HeldAnswer>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<HeldAnswer> _unsent = [];

    /// <summary>Answers found late (their caller's front had settled them): neither stored nor sent.</summary>
    public long Late { get; private set; }

    /// <summary>After <see cref="CompleteAsync"/>: the answers still to store, in the pass's final script.</summary>
    public IReadOnlyList<HeldAnswer> Unsent => _unsent;

    public Task Running { get; private set; } = Task.CompletedTask;

    public LandedAnswers Start()
    {
        Running = Task.Run(RunAsync);
        return this;
    }

    public void Add(IEnumerable<HeldAnswer> answers)
    {
        foreach (var answer in answers) _landed.Writer.TryWrite(answer);
    }

    /// <summary>No more answers in this pass: waits for the stores under way.</summary>
    public async Task CompleteAsync()
    {
        _landed.Writer.TryComplete();
        await Running;
    }

    public static FinishedAnswer Finished(HeldAnswer h) => new(h.RequestId, h.Outcome, h.Replica.Length > 0 ? h.Replica : null,
        new ReplyBatch { Replies = { new Reply { RequestId = h.RequestId, Outcome = Outcomes.FromJson(h.Outcome) } } }.ToByteArray());

    private async Task RunAsync()
    {
        var batch = new List<HeldAnswer>();
        while (await _landed.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (_landed.Reader.TryRead(out var answer)) batch.Add(answer);
            try
            {
                var late = await finish.RunAsync(db, new WriteBackFinish(lease.LockId, lease.Epoch, resultTtl) { Answers = [.. batch.Select(Finished)] });
                if (late is null)
                {
                    _unsent.AddRange(batch); // fenced: the final script says so
                    continue;
                }

                Late += late.Value;
                ledger.Release(batch.Select(h => h.RequestId));
            }
            catch (Exception)
            {
                // Redis unreachable: the pass's final script tries them again (or the pass is repeated).
                _unsent.AddRange(batch);
            }
        }
    }
}
