using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Allocator.Service.Allocation;
using Allocator.Service.Agones;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Allocator.Tests.Agones;

/// <summary>
/// The GameServer watch against the fake API server through the real KubernetesClient: it
/// lists only when it has nothing to resume from or the server says 410 Gone, and resumes from
/// the last resourceVersion after timeouts and dropped streams without missing a change.
/// </summary>
public sealed class GameServerWatchTests : IAsyncLifetime
{
    private FakeKubernetesApi _api = null!;
    private k8s.Kubernetes _client = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        _client = _api.Client();
        _api.Put(FakeKubernetesApi.GameServer("games", "gs-1", labels: new Dictionary<string, string> { ["agones.dev/fleet"] = "f" },
            counters: new Dictionary<string, (long, long)> { ["rooms"] = (2, 10) },
            lists: new Dictionary<string, (long, IReadOnlyList<string>)> { ["players"] = (4, ["p1"]) },
            nodeName: "node-7", address: "10.0.0.7", ports: [("game", 7777)]));
        _api.Put(FakeKubernetesApi.GameServer("games", "gs-2", state: "Allocated"));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private sealed class Reader(GameServerWatch watch, string? resumeFrom, CancellationToken stop)
    {
        private readonly Channel<GameServerChange> _changes = Channel.CreateUnbounded<GameServerChange>();

        public Reader Start()
        {
            _ = Task.Run(async () =>
            {
                try { await foreach (var change in watch.RunAsync(resumeFrom, stop)) _changes.Writer.TryWrite(change); }
                catch (OperationCanceledException) { }
            });
            return this;
        }

        /// <summary>The next change that is not a bookmark, within 60 s (generous: a busy machine only makes it late).</summary>
        public async Task<GameServerChange> NextAsync()
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var change = await _changes.Reader.ReadAsync(patience.Token);
                if (change is not GameServerProgress) return change;
            }
        }
    }

    private GameServerWatch Watch(string? ns = "games", TimeSpan? idle = null) =>
        new(_client, ns, new WatchLimits(TimeSpan.FromMinutes(5), idle ?? TimeSpan.FromMinutes(5)), TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task With_nothing_to_resume_from_it_lists_once_then_watches_changes()
    {
        var watch = Watch();
        var reader = new Reader(watch, resumeFrom: null, _stop.Token).Start();

        var snapshot = Assert.IsType<GameServerSnapshot>(await reader.NextAsync());
        Assert.Equal(["gs-1", "gs-2"], snapshot.Servers.Select(s => s.Name).Order());
        var gs1 = snapshot.Servers.Single(s => s.Name == "gs-1");
        Assert.Equal(("games", GameServerStates.Ready, "f", "node-7", "10.0.0.7"), (gs1.Namespace, gs1.State, gs1.Labels["agones.dev/fleet"], gs1.NodeName, gs1.Address));
        Assert.Equal((2L, 10L), (gs1.Counters["rooms"].Count, gs1.Counters["rooms"].Capacity));
        Assert.Equal(["p1"], gs1.Lists["players"].Values);
        Assert.Equal(new GameServerPort("game", 7777), Assert.Single(gs1.Ports));

        await _api.WaitForWatchesAsync();
        _api.Mutate("games", "gs-1", gs => gs["status"]!["counters"]!["rooms"]!["count"] = 1); // the game server's own decrement
        var changed = Assert.IsType<GameServerUpserted>(await reader.NextAsync());
        Assert.Equal(1, changed.Server.Counters["rooms"].Count);
        _api.Delete("games", "gs-2");
        Assert.Equal("games/gs-2", Assert.IsType<GameServerDeleted>(await reader.NextAsync()).Key);
        Assert.Equal(1, watch.Relists);
    }

    [Fact]
    public async Task A_new_leader_resumes_from_the_stored_resourceVersion_without_a_relist()
    {
        var stored = _api.ResourceVersion; // what the last leader committed to Redis
        _api.Put(FakeKubernetesApi.GameServer("games", "gs-3")); // changes while nobody watched
        _api.Mutate("games", "gs-1", gs => gs["status"]!["state"] = "Allocated");
        var lists = _api.ListCalls;

        var watch = Watch();
        var reader = new Reader(watch, stored, _stop.Token).Start();
        Assert.Equal("gs-3", Assert.IsType<GameServerUpserted>(await reader.NextAsync()).Server.Name);
        Assert.Equal(GameServerStates.Allocated, Assert.IsType<GameServerUpserted>(await reader.NextAsync()).Server.State);
        Assert.Equal(0, watch.Relists);
        Assert.Equal(lists, _api.ListCalls);
    }

    [Fact]
    public async Task After_410_Gone_it_relists_and_reports_the_whole_current_set()
    {
        var stored = _api.ResourceVersion;
        _api.Delete("games", "gs-2");
        _api.Compact(); // the history behind `stored` is gone

        var watch = Watch();
        var reader = new Reader(watch, stored, _stop.Token).Start();
        var snapshot = Assert.IsType<GameServerSnapshot>(await reader.NextAsync());
        Assert.Equal(["gs-1"], snapshot.Servers.Select(s => s.Name));
        Assert.Equal(1, watch.Relists);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_where_it_was_and_misses_nothing()
    {
        var watch = Watch(ns: null);
        var reader = new Reader(watch, _api.ResourceVersion, _stop.Token).Start();
        await _api.WaitForWatchesAsync();
        _api.DropWatches();
        _api.Put(FakeKubernetesApi.GameServer("other", "gs-9")); // while the client reconnects
        Assert.Equal("other/gs-9", Assert.IsType<GameServerUpserted>(await reader.NextAsync()).Server.Key);
        Assert.Equal(0, watch.Relists);
    }

    [Fact]
    public async Task A_silently_dropped_watch_is_given_up_and_resumed_within_its_idle_bound()
    {
        var idle = TimeSpan.FromSeconds(2);
        var reader = new Reader(Watch(idle: idle), _api.ResourceVersion, _stop.Token).Start();
        await _api.WaitForWatchesAsync();
        var watches = _api.WatchCalls;
        // Black-holed: no event, no bookmark, no end at the server-side timeout, no reset.
        _api.SilenceWatches();
        var silenced = Stopwatch.StartNew();
        _api.Put(FakeKubernetesApi.GameServer("games", "gs-new")); // a new Ready server callers need

        var change = Assert.IsType<GameServerUpserted>(await reader.NextAsync());
        var waited = silenced.Elapsed;

        Assert.Equal("games/gs-new", change.Server.Key);
        Assert.True(_api.WatchCalls > watches, "resumed on a new watch request");
        // Within the bound (plus a busy machine's slack), not the 5-minute server-side timeout.
        Assert.True(waited < idle + TimeSpan.FromSeconds(20), $"seen after {waited.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task A_server_being_deleted_is_no_longer_a_candidate()
    {
        var reader = new Reader(Watch(), _api.ResourceVersion, _stop.Token).Start();
        await _api.WaitForWatchesAsync();
        _api.MarkDeleting("games", "gs-1");
        var deleting = Assert.IsType<GameServerUpserted>(await reader.NextAsync()).Server;
        Assert.False(deleting.IsCandidate);
    }
}
