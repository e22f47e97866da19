using Allocator.Service.Hosting;
using Allocator.Service.Leadership;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using k8s;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Agones;

/// <summary>
/// Starts the Kubernetes side of a leadership term when Inventory:Source is <c>kubernetes</c>:
/// the GameServer watches (resumed from the resourceVersions stored in Redis), the write-back of
/// the outbox, and the leader's pod-deletion-cost. Only the leader talks to the API server.
/// </summary>
public sealed class KubernetesMode(
    KeyLayout keys,
    Scripts scripts,
    WakeSignal wake,
    AllocatorMetrics metrics,
    IOptions<AllocatorOptions> options,
    TimeProvider time,
    ILoggerFactory logs)
{
    private readonly Lazy<IKubernetes> _client = new(() => new Kubernetes(Configuration(options.Value.Kubernetes)));
    private LeaderPodCost? _podCost;

    public bool Enabled => options.Value.Inventory.IsKubernetes;

    /// <summary>Null in stand-alone mode.</summary>
    public async Task<KubernetesTerm?> BeginAsync(IDatabase db, Lease lease, long epoch)
    {
        if (!Enabled) return null;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var settings = options.Value.Kubernetes;
        var log = logs.CreateLogger("Allocator.Service.Agones.Kubernetes");
        // Redis first: a term that cannot start leaves nothing running.
        var fresh = Guid.NewGuid().ToString("N")[..12];
        var fleetId = (string?)await db.StringSetAndGetAsync(keys.FleetId, fresh, when: When.NotExists) ?? fresh;
        var positions = (await db.HashGetAllAsync(keys.WatchPositions)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var pending = OutboxEntry.ReadAll(await db.StreamRangeAsync(keys.Outbox));
        var ledger = new WriteBackLedger(epoch, settings.WriteBehind);
        foreach (var entry in pending) ledger.Hold(entry);
        var scopes = settings.Scopes();

        var inventory = KubernetesInventory.Start(_client.Value, fleetId, scopes, positions, settings.WatchTimeout, wake, metrics, time, log);
        var writeBack = new WriteBack(_client.Value, fleetId, db, keys, scripts, lease, ledger, inventory, metrics, options.Value, time, log);
        KubernetesLog.Resuming(log, scopes.Count, scopes.Count(s => positions.ContainsKey(s ?? KubernetesInventory.AllNamespaces)),
            pending.Count, pending.Sum(e => e.Changes.Sum(c => c.Holds.Count)), started.ElapsedMilliseconds);
        _podCost ??= LeaderPodCost.FromEnvironment(_client.Value, settings.LeaderPodDeletionCost, log);
        return new KubernetesTerm(ledger, inventory, writeBack, _podCost);
    }

    /// <summary>
    /// Before a replica is ready: the client, its first connection (a GET of a GameServer that
    /// does not exist, within the RBAC it has), the JSON paths of watch and write-back, and the
    /// write-back script (fenced by a lease that is not ours), so a new leader starts warm.
    /// </summary>
    public async Task RehearseAsync(IDatabase db, Lease notOurs)
    {
        if (!Enabled) return;
        var sample = FakeAgonesObject();
        var (server, version) = AgonesGameServer.Read(sample);
        var change = new Allocation.ServerDelta { Allocate = true, Counters = { ["rooms"] = new Allocation.CounterDelta { Count = 1 } } };
        change.ApplyTo(server);
        _ = GameServerPatch.Build(server, change, "0-1", version, stateChanged: true);
        _ = WatchedFleet.Reconciled(new Allocation.Fleet(), server, "warmup");
        _ = await scripts.WriteBack.RunAsync(db, [keys.Leader, keys.Epoch, keys.Outbox, keys.Requests],
            [notOurs.LockId, 0, 1000, keys.Wake.ToString(), 0, 0, 0]);
        try
        {
            // Bounded: readiness must not wait on an API server that does not answer.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var ns = options.Value.Kubernetes.Scopes()[0] ?? "default";
            await _client.Value.CustomObjects.GetNamespacedCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural,
                "allocator-warmup-probe", patience.Token);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // 404 is the expected answer; an unreachable API server shows in the watch later.
        }
    }

    private static System.Text.Json.JsonElement FakeAgonesObject() => System.Text.Json.JsonDocument.Parse("""
        {"metadata":{"name":"warmup","namespace":"default","resourceVersion":"1","labels":{"agones.dev/fleet":"warmup"},"annotations":{}},
         "status":{"state":"Ready","address":"10.0.0.1","nodeName":"node","ports":[{"name":"default","port":7000}],
                   "addresses":[{"type":"InternalIP","address":"10.0.0.1"}],"counters":{"rooms":{"count":0,"capacity":10}},"lists":{}}}
        """).RootElement;

    private static KubernetesClientConfiguration Configuration(KubernetesOptions settings) =>
        settings.Host.Length > 0 ? new KubernetesClientConfiguration { Host = settings.Host }
        : KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig()
        : KubernetesClientConfiguration.BuildConfigFromConfigFile();
}

/// <summary>The Kubernetes side of one leadership term; disposing it ends the watches and the write-back.</summary>
public sealed class KubernetesTerm : IAsyncDisposable
{
    private readonly KubernetesInventory _inventory;
    private readonly WriteBack _writeBack;
    private readonly LeaderPodCost _podCost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writing;

    public KubernetesTerm(WriteBackLedger ledger, KubernetesInventory inventory, WriteBack writeBack, LeaderPodCost podCost)
    {
        Ledger = ledger;
        (_inventory, _writeBack, _podCost) = (inventory, writeBack, podCost);
        _writing = Task.Run(() => writeBack.RunAsync(_stop.Token));
        _ = podCost.MarkAsync();
    }

    public WriteBackLedger Ledger { get; }

    public Task ListedAsync(CancellationToken cancellationToken) => _inventory.ListedAsync(cancellationToken);

    public IReadOnlyList<InventoryEvent> Drain() => _inventory.Drain();

    /// <inheritdoc cref="KubernetesInventory.Apply"/>
    public void Apply(Allocation.Fleet fleet, IReadOnlyList<InventoryEvent> events, Dictionary<string, string> positions) => _inventory.Apply(fleet, events, positions);

    /// <summary>A batch was committed: its outbox entry is now the write-back's to apply.</summary>
    public void Committed(Processing.DecidedBatch batch)
    {
        Ledger.Committed(batch.Outbox);
        if (batch.Outbox is not null) _writeBack.Signal();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _writing; // never faults: a pass ends on cancellation or fencing, and Redis errors are retried
        await _inventory.DisposeAsync();
        // Not awaited: on a hand-over the process is about to exit and the successor marks its own pod.
        _ = _podCost.ClearAsync();
    }
}
