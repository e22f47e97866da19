using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using k8s;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Service.Agones;

/// <summary>
/// The Kubernetes inventory source (<c>Inventory:Source=kubernetes</c>): a term watches Agones
/// GameServers (resumed from the resourceVersions stored in Redis), writes the outbox back and
/// marks the leader's pod. Only the leader talks to the API server.
/// </summary>
public sealed class KubernetesSource(
    KeyLayout keys,
    WriteBackScript writeBackScript,
    WakeSignal wake,
    AllocatorMetrics metrics,
    IOptions<KubernetesOptions> options,
    IOptions<ProcessingOptions> processing,
    IOptions<QueueOptions> queue,
    TimeProvider time,
    ILoggerFactory logs) : IInventorySource
{
    private readonly Lazy<KubernetesClients> _clients = new(() => KubernetesClients.Create(options.Value));
    private readonly ILogger _log = logs.CreateLogger("Allocator.Service.Agones.Kubernetes");
    private LeaderPodCost? _podCost;

    public async Task<IInventoryTerm?> BeginTermAsync(TermStart start, CancellationToken stopping)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (db, lease) = (start.Db, start.Lease);
        var settings = options.Value;
        // Redis first: a term that cannot start leaves nothing running.
        var fresh = Guid.NewGuid().ToString("N")[..12];
        var fleetId = (string?)await db.StringSetAndGetAsync(keys.FleetId, fresh, when: When.NotExists) ?? fresh;
        var positions = (await db.HashGetAllAsync(keys.WatchPositions)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var pending = OutboxEntry.ReadAll(await db.StreamRangeAsync(keys.Outbox));
        var ledger = new WriteBackLedger(lease.Epoch, settings.WriteBehind);
        foreach (var entry in pending) ledger.Hold(entry);
        // The term began after everything there was replicated (the pipeline waits for it).
        if (pending.Count > 0) ledger.Confirm(pending[^1].Id);
        var scopes = settings.Scopes();

        var inventory = KubernetesInventory.Start(_clients.Value.Watches, fleetId, scopes, positions, new WatchLimits(settings.WatchTimeout, settings.WatchIdleTimeout), wake, metrics, time, _log);
        var events = new GameServerEvents(_clients.Value.Writes, settings.RequestTimeout, time, _log);
        var patcher = new GameServerPatcher(_clients.Value.Writes, fleetId, lease, inventory.Observed, settings.RequestTimeout, events, metrics, time, _log);
        var writeBack = new WriteBack(patcher, db, keys, writeBackScript, lease, ledger, inventory,
            new WriteBackSettings(settings.WriteBackBatch, settings.WriteBackConcurrency, processing.Value.PollInterval, queue.Value.ResultTtl), metrics, time, _log);
        KubernetesLog.Resuming(_log, scopes.Count, scopes.Count(s => positions.ContainsKey(s ?? KubernetesInventory.AllNamespaces)),
            pending.Count, pending.Sum(e => e.Changes.Sum(c => c.Holds.Count)), started.ElapsedMilliseconds);
        _podCost ??= LeaderPodCost.FromEnvironment(_clients.Value.Writes, settings.LeaderPodDeletionCost, _log);
        var term = new KubernetesTerm(ledger, inventory);
        term.Start(writeBack, _podCost, events);
        return term;
    }

    /// <summary>
    /// Before a replica is ready: deciding with a write-back ledger, the client, its first
    /// connection (a GET of a GameServer that does not exist, within the RBAC it has), the JSON
    /// paths of watch and write-back, and the write-back script (fenced by a lease that is not
    /// ours), so a new leader starts warm.
    /// </summary>
    public async Task RehearseAsync(IDatabase db, Lease notOurs)
    {
        RehearseDecisions();
        var sample = FakeAgonesObject();
        var (server, version) = AgonesGameServer.Read(sample);
        var change = new ServerDelta { Allocate = true, Counters = { ["rooms"] = new CounterDelta { Count = 1 } } };
        change.ApplyTo(server);
        _ = GameServerPatch.Build(server, change, "0-1", version, stateChanged: true);
        _ = WatchedFleet.Reconciled(new Fleet(), server, "warmup");
        _ = await writeBackScript.RunAsync(db, new WriteBackFinish(notOurs.LockId, 0, TimeSpan.FromSeconds(1)));
        // Both connections (watches, writes): bounded, readiness must not wait on an API server that does not answer.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var ns = options.Value.Scopes()[0] ?? "default";
        await Task.WhenAll(ProbeAsync(_clients.Value.Watches), ProbeAsync(_clients.Value.Writes));

        async Task ProbeAsync(IKubernetes client)
        {
            try
            {
                await client.CustomObjects.GetNamespacedCustomObjectAsync(AgonesGameServer.Group, AgonesGameServer.Version, ns, AgonesGameServer.Plural,
                    "allocator-warmup-probe", patience.Token);
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException)
            {
                // 404 is the expected answer; an unreachable API server shows in the watch later.
            }
        }
    }

    /// <summary>The batch loop's Kubernetes path, offline: allocations recorded, outbox entries made and read back.</summary>
    private static void RehearseDecisions()
    {
        var fleet = new Fleet();
        foreach (var server in new DemoFleetSpec(50, 2, 10, "rooms", "warmup", "default").Generate()) fleet.Load(server);
        var term = new KubernetesTerm(new WriteBackLedger(0, writeBehind: true));
        var decider = new BatchDecider(fleet, new AllocationEngine(fleet, new Random(1)), source: term);
        var json = Google.Protobuf.JsonFormatter.Default.Format(Api.SessionRequests.HighDensity("warmup", "rooms"));
        var now = DateTimeOffset.UtcNow;
        for (var round = 0; round < 10; round++)
        {
            var batch = Enumerable.Range(0, 20)
                .Select(i => new QueuedRequest(RequestKind.Allocation, $"0-{i}", $"warmup-{round}-{i}", "warmup", now.AddMinutes(1).ToUnixTimeMilliseconds(), "", json))
                .ToList();
            _ = decider.Decide(batch, new Dictionary<string, string>(), now);
            var write = term.Committing(new CommitWrite("warmup", 0, round + 1), now);
            if (write.Kubernetes is { OutboxId: { } id } k8s) _ = OutboxEntry.Read(id, k8s.OutboxAtUnixMs, k8s.OutboxChangesJson!);
            term.Committed();
            fleet.Accept();
        }
    }

    private static System.Text.Json.JsonElement FakeAgonesObject() => System.Text.Json.JsonDocument.Parse("""
        {"metadata":{"name":"warmup","namespace":"default","resourceVersion":"1","labels":{"agones.dev/fleet":"warmup"},"annotations":{}},
         "status":{"state":"Ready","address":"10.0.0.1","nodeName":"node","ports":[{"name":"default","port":7000}],
                   "addresses":[{"type":"InternalIP","address":"10.0.0.1"}],"counters":{"rooms":{"count":0,"capacity":10}},"lists":{}}}
        """).RootElement;
}

public static class AgonesServices
{
    /// <summary>Kubernetes mode, when <c>Inventory:Source</c> is <c>kubernetes</c>: its settings.</summary>
    public static IServiceCollection AddAgones(this IServiceCollection services, IConfiguration configuration)
    {
        var source = configuration[$"{SettingsRegistration.Section}:Inventory:Source"];
        if (source != "kubernetes") return services;
        services.AddSettings<KubernetesOptions, KubernetesOptionsValidator>(configuration, KubernetesOptions.Section);
        // Agones' controller exports the game-server gauges from the same GameServers; twice would double every sum.
        services.PostConfigure<MetricsOptions>(o => o.GameServerGauges ??= false);
        return services;
    }

    /// <summary>Kubernetes mode: a partition's inventory source (answers wait until Kubernetes has them).</summary>
    public static IServiceCollection AddPartitionAgones(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[$"{SettingsRegistration.Section}:Inventory:Source"] != "kubernetes") return services;
        services.AddSingleton<IInventorySource, KubernetesSource>();
        services.AddSingleton(new AnswerHolding(true));
        return services;
    }
}
