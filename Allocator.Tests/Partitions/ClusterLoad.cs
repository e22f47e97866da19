using System.Collections.Concurrent;
using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.Partitions;

/// <summary>
/// Callers allocating one session at a time in every fleet, across the replicas, as a careful
/// client does: a call that fails without a final answer is asked again with its
/// <c>x-request-id</c> (on the next replica), so each request ends with exactly one answer.
/// </summary>
internal sealed class ClusterLoad(IReadOnlyList<ReplicaProcess> replicas, IReadOnlyList<string> fleets)
{
    private readonly ConcurrentDictionary<string, (string Fleet, AllocationResponse Answer)> _answers = new();
    private int _next;
    private int _retries;

    public int Retries => _retries;

    public IReadOnlyCollection<AllocationResponse> AnswersFor(string fleet) => _answers.Values.Where(a => a.Fleet == fleet).Select(a => a.Answer).ToList();

    public int Answered => _answers.Count;

    /// <summary>
    /// 16 callers run until 200 answers, then <paramref name="fault"/> strikes, and they run on
    /// until <paramref name="recovered"/> holds (given the answers per fleet at the fault).
    /// </summary>
    public async Task AroundAsync(Func<Task> fault, Func<int[], bool> recovered, string what, Func<string> context)
    {
        using var stop = new CancellationTokenSource();
        var running = RunAsync(16, stop.Token);
        try
        {
            await Until.TrueAsync(() => Task.FromResult(Answered >= 200), "200 answers before the fault");
            var atFault = fleets.Select(f => AnswersFor(f).Count).ToArray();
            await fault();
            await Until.TrueAsync(() => Task.FromResult(recovered(atFault)), what, context, seconds: 90);
        }
        finally
        {
            stop.Cancel();
            await running;
        }
    }

    /// <summary>Runs <paramref name="callers"/> callers until <paramref name="stop"/> fires.</summary>
    private Task RunAsync(int callers, CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, callers).Select(c => CallerAsync(c, stop)));

    private async Task CallerAsync(int caller, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            var fleet = fleets[n % fleets.Count];
            var id = $"call-{n}";
            for (var attempt = 0; ; attempt++)
            {
                var replica = replicas[(caller + attempt) % replicas.Count];
                if (replica.HasExited) continue;
                try
                {
                    var answer = await replica.Allocation.AllocateAsync(SessionRequests.HighDensity(fleet, "rooms"),
                        new Metadata { { "x-request-id", id } }, DateTime.UtcNow.AddSeconds(20));
                    _answers[id] = (fleet, answer);
                    break;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Cancelled && attempt < 40)
                {
                    // No final answer: ask again with the same id, after a short backoff.
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 4))), CancellationToken.None);
                }
            }
        }
    }
}
