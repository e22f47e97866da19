using System.Threading.Channels;
using Allocator.Service.Allocation;
using Allocator.Service.Queue;
using Allocator.Service.Telemetry;
using k8s;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes mode, one leadership term: a GameServer watch per scope (a namespace, or all),
/// each resuming from the resourceVersion the hash was last committed at, feeding one queue the
/// batch loop drains between batches. The write-back adds what it finds gone to the same queue.
/// Nothing here touches the fleet except <see cref="Apply"/>, on the batch loop.
/// </summary>
public sealed class KubernetesInventory : IAsyncDisposable
{
    /// <summary>The watch-positions field of the all-namespaces scope.</summary>
    public const string AllNamespaces = "*";

    private readonly Channel<FleetEvent> _events = Channel.CreateUnbounded<FleetEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watches = [];
    private readonly List<Task> _listed = [];
    private readonly WakeSignal _wake;
    private readonly string _fleetId;

    private KubernetesInventory(WakeSignal wake, string fleetId) => (_wake, _fleetId) = (wake, fleetId);

    /// <summary>What the watches last reported of each server, for the write-back.</summary>
    public ObservedGameServers Observed { get; } = new();

    /// <param name="positions">Scope -> resourceVersion the hash reflects; a scope without one is listed first.</param>
    public static KubernetesInventory Start(IKubernetes client, string fleetId, IReadOnlyList<string?> scopes, IReadOnlyDictionary<string, string> positions,
        WatchLimits watchLimits, WakeSignal wake, AllocatorMetrics metrics, TimeProvider time, ILogger log)
    {
        var inventory = new KubernetesInventory(wake, fleetId);
        foreach (var ns in scopes)
        {
            var scope = ns ?? AllNamespaces;
            var watch = new GameServerWatch(client, ns, watchLimits, time, log);
            var resumeFrom = positions.GetValueOrDefault(scope);
            var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (resumeFrom is not null) listed.SetResult();
            inventory._listed.Add(listed.Task);
            inventory._watches.Add(inventory.PumpAsync(watch, scope, resumeFrom, listed, metrics, time, log));
        }

        return inventory;
    }

    /// <summary>
    /// The write-back will never write a server's pending changes (it is gone, not allocatable,
    /// full, or Kubernetes refused them): the fleet takes <paramref name="observed"/> (null: deleted).
    /// </summary>
    /// <param name="through">The last outbox entry the write-back gave up for this server; newer changes stay pending.</param>
    public void Vanished(string key, GameServer? observed, string through)
    {
        _events.Writer.TryWrite(new WriteBackGaveUp(key, observed, through));
        _wake.Set();
    }

    /// <summary>Adds what arrived since the last call; apply it with <see cref="Apply"/>.</summary>
    public void DrainInto(List<FleetEvent> events)
    {
        while (_events.Reader.TryRead(out var e)) events.Add(e);
    }

    /// <summary>
    /// Applies drained events to the fleet (recorded changes) and adds each scope's newest
    /// resourceVersion to <paramref name="positions"/>, to be committed with those changes.
    /// </summary>
    public void Apply(Fleet fleet, IReadOnlyList<FleetEvent> events, Dictionary<string, string> positions)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case WatchedChange(var scope, var change):
                    WatchedFleet.Apply(fleet, change, scope == AllNamespaces ? null : scope, _fleetId);
                    if (change.ResourceVersion.Length > 0) positions[scope] = change.ResourceVersion;
                    break;
                case WriteBackGaveUp(var key, var observed, var through):
                    // The newest copy seen, so giving up never takes the fleet back to an older state.
                    var newest = observed is not null && Observed.TryGet(key, out var seen) ? seen : observed;
                    WatchedFleet.Abandon(fleet, key, newest, through, _fleetId);
                    break;
            }
        }
    }

    /// <summary>
    /// Completes when every scope that had nothing to resume from has delivered its first list,
    /// so a first leader does not answer "no game server" from an empty fleet.
    /// </summary>
    public Task ListedAsync(CancellationToken cancellationToken) => Task.WhenAll(_listed).WaitAsync(cancellationToken);

    private async Task PumpAsync(GameServerWatch watch, string scope, string? resumeFrom, TaskCompletionSource listed, AllocatorMetrics metrics, TimeProvider time, ILogger log)
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in watch.RunAsync(resumeFrom, _stop.Token))
                {
                    if (change is GameServerSnapshot snapshot) metrics.Relisted(snapshot.Expired ? "expired" : "initial");
                    if (change.ResourceVersion.Length > 0) resumeFrom = change.ResourceVersion;
                    Observed.Observe(change);
                    _events.Writer.TryWrite(new WatchedChange(scope, change));
                    if (change is GameServerSnapshot) listed.TrySetResult();
                    _wake.Set();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // A list the API server did not answer: try again, from where the watch was.
                KubernetesLog.WatchFailed(log, scope, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watches);
        _stop.Dispose();
    }
}

