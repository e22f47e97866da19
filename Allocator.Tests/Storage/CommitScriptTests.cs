using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Allocator.Tests.Storage;

/// <summary>The commit script against a real Redis: fenced, atomic, and never trims unacknowledged entries.</summary>
public class CommitScriptTests
{
    private sealed record Setup(IDatabase Db, KeyLayout Keys, Lease Lease, BatchReader Reader, BatchCommitter Committer);

    private static async Task<Setup> SetUpAsync(string name, TimeSpan history)
    {
        var redis = await RedisServer.GetAsync();
        var keys = new KeyLayout(RedisServer.UniquePrefix(name));
        var db = redis.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(redis.Connection, keys); // also creates the consumer groups
        return new Setup(db, keys, lease, TestTerm.Reader(keys), TestTerm.Committer(keys, history));
    }

    private static async Task EnqueueAsync(Setup s, params string[] ids)
    {
        foreach (var id in ids)
        {
            await s.Db.StreamAddAsync(s.Keys.Requests, [new(EntryFields.Id, id), new(EntryFields.Replica, "front-1"), new(EntryFields.Request, "{}")]);
        }
    }

    private static DecidedBatch Decided(IReadOnlyList<QueuedRequest> batch, params GameServer[] changed) =>
        new(batch.Select(r => new Answer(r, new Outcome { Code = 0 }, AlreadyStored: false)).ToList(), changed, []);

    [Fact]
    public async Task A_commit_without_the_lease_writes_nothing_and_acknowledges_nothing()
    {
        var s = await SetUpAsync(nameof(A_commit_without_the_lease_writes_nothing_and_acknowledges_nothing), TimeSpan.Zero);
        await EnqueueAsync(s, "a", "b");
        var batch = (await s.Reader.ReadAsync(s.Db, 10))!;
        Assert.Equal(2, batch.Count);

        // Another replica takes the lease (ours expired while we were paused).
        await s.Db.StringSetAsync(s.Keys.Leader, "someone-else");
        var committed = await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(batch, new GameServer { Name = "gs" }));

        Assert.Equal(CommitStatus.Fenced, committed.Status);
        Assert.Equal(0, await s.Db.HashLengthAsync(s.Keys.GameServers));
        Assert.False(await s.Db.KeyExistsAsync(s.Keys.Result("a")));
        Assert.Equal(2, (await s.Db.StreamPendingAsync(s.Keys.Requests, KeyLayout.ProcessorGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task A_paused_leader_whose_own_lease_key_reappears_is_still_fenced_by_the_epoch()
    {
        var s = await SetUpAsync(nameof(A_paused_leader_whose_own_lease_key_reappears_is_still_fenced_by_the_epoch), TimeSpan.Zero);
        await EnqueueAsync(s, "a");
        var batch = (await s.Reader.ReadAsync(s.Db, 10))!;

        // While we were paused another leader ran a term (epoch + 1) and left; then RedLock.net's
        // overdue extension re-created the key with our own lock id.
        await s.Db.StringSetAsync(s.Keys.Leader, "other-leader");
        Assert.True(await TestTerm.EpochAsync(s.Db, s.Keys, "other-leader") > s.Lease.Epoch);
        await s.Db.StringSetAsync(s.Keys.Leader, s.Lease.LockId);

        var committed = await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(batch, new GameServer { Name = "stale" }));
        Assert.Equal(CommitStatus.Fenced, committed.Status);
        Assert.False(await s.Db.HashExistsAsync(s.Keys.GameServers, "default/stale"));
    }

    [Fact]
    public async Task A_request_settled_by_its_front_at_the_deadline_refuses_the_whole_commit()
    {
        var s = await SetUpAsync(nameof(A_request_settled_by_its_front_at_the_deadline_refuses_the_whole_commit), TimeSpan.Zero);
        await EnqueueAsync(s, "a", "b");
        var batch = (await s.Reader.ReadAsync(s.Db, 10))!;
        await s.Db.StringSetAsync(s.Keys.Result("b"), "{\"code\":4}");

        var committed = await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(batch, new GameServer { Name = "gs" }));

        Assert.Equal(CommitStatus.Conflict, committed.Status);
        Assert.Equal(["b"], committed.ConflictingRequests);
        Assert.False(await s.Db.HashExistsAsync(s.Keys.GameServers, "default/gs"));
        Assert.False(await s.Db.KeyExistsAsync(s.Keys.Result("a")));
        Assert.Equal(2, (await s.Db.StreamPendingAsync(s.Keys.Requests, KeyLayout.ProcessorGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task A_commit_after_the_stream_was_deleted_writes_nothing()
    {
        var s = await SetUpAsync(nameof(A_commit_after_the_stream_was_deleted_writes_nothing), TimeSpan.Zero);
        await EnqueueAsync(s, "a");
        var batch = (await s.Reader.ReadAsync(s.Db, 10))!;
        await s.Db.KeyDeleteAsync(s.Keys.Requests);
        await EnqueueAsync(s, "b"); // re-creates the stream, without the group

        var committed = await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(batch, new GameServer { Name = "gs" }));
        Assert.Equal(CommitStatus.NoGroup, committed.Status);
        Assert.False(await s.Db.HashExistsAsync(s.Keys.GameServers, "default/gs"));
    }

    [Fact]
    public async Task A_commit_writes_servers_and_results_then_acknowledges_and_answers()
    {
        var s = await SetUpAsync(nameof(A_commit_writes_servers_and_results_then_acknowledges_and_answers), TimeSpan.FromMinutes(1));
        await EnqueueAsync(s, "a", "b");
        var batch = (await s.Reader.ReadAsync(s.Db, 10))!;

        var received = new TaskCompletionSource<ReplyBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = (await RedisServer.GetAsync()).Connection.GetSubscriber();
        await subscriber.SubscribeAsync(s.Keys.Reply("front-1"), (_, m) => received.TrySetResult(ReplyBatch.Parser.ParseFrom((byte[])m!)));

        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(batch, new GameServer { Name = "gs" }))).Status);

        Assert.True(await s.Db.HashExistsAsync(s.Keys.GameServers, "default/gs"));
        Assert.True(await s.Db.KeyExistsAsync(s.Keys.Result("a")));
        Assert.NotNull(await s.Db.KeyTimeToLiveAsync(s.Keys.Result("b")));
        Assert.Equal(0, (await s.Db.StreamPendingAsync(s.Keys.Requests, KeyLayout.ProcessorGroup)).PendingMessageCount);
        Assert.Equal(2, await s.Db.StreamLengthAsync(s.Keys.Requests)); // kept as history
        var replies = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["a", "b"], replies.Replies.Select(r => r.RequestId));
    }

    [Fact]
    public async Task History_is_trimmed_by_whole_stream_nodes_but_never_past_an_unacknowledged_entry()
    {
        var s = await SetUpAsync(nameof(History_is_trimmed_by_whole_stream_nodes_but_never_past_an_unacknowledged_entry), TimeSpan.Zero);
        await EnqueueAsync(s, "a", "b", "c");
        var all = (await s.Reader.ReadAsync(s.Db, 10))!;
        await EnqueueAsync(s, "d"); // queued, not yet read

        // Commit only "b": "a" stays pending, "d" undelivered; "c" is pending too.
        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided([all[1]]))).Status);
        Assert.Equal(["a", "b", "c", "d"], await IdsLeftAsync(s)); // nothing before the oldest pending ("a") may go

        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided([all[0], all[2]]))).Status);
        Assert.Contains("d", await IdsLeftAsync(s)); // never delivered

        // Acknowledged history goes a whole stream node (100 entries) at a time; the newest node stays.
        await EnqueueAsync(s, [.. Enumerable.Range(0, 300).Select(i => $"m{i}")]);
        var rest = (await s.Reader.ReadAsync(s.Db, 400))!;
        Assert.Equal(301, rest.Count);
        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, Decided(rest))).Status);
        var left = await IdsLeftAsync(s);
        Assert.InRange(left.Count, 1, 100);
        Assert.Equal("m299", left[^1]);
    }

    [Fact]
    public async Task A_commit_of_thousands_of_game_servers_writes_and_removes_them_all()
    {
        // A seed commits every server at once: more fields than one Lua unpack may carry.
        var s = await SetUpAsync(nameof(A_commit_of_thousands_of_game_servers_writes_and_removes_them_all), TimeSpan.Zero);
        var servers = Enumerable.Range(0, 9001).Select(i => new GameServer { Name = $"gs-{i}" }).ToList();
        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, new DecidedBatch([], servers, []) { SourceObserved = true })).Status);
        Assert.Equal(9001, await s.Db.HashLengthAsync(s.Keys.GameServers));

        var removed = servers.Skip(1).Select(g => $"default/{g.Name}").ToList();
        Assert.Equal(CommitStatus.Committed, (await s.Committer.CommitAsync(s.Db, s.Keys, s.Lease, new DecidedBatch([], [], removed) { SourceObserved = true })).Status);
        Assert.Equal(["default/gs-0"], (await s.Db.HashKeysAsync(s.Keys.GameServers)).Select(k => (string)k!));
    }

    private static async Task<List<string>> IdsLeftAsync(Setup s) =>
        (await s.Db.StreamRangeAsync(s.Keys.Requests)).Select(e => (string)e[EntryFields.Id]!).ToList();

    [Fact]
    public async Task Kubernetes_mode_commits_its_outbox_entry_positions_and_held_markers_and_stand_alone_touches_none()
    {
        var s = await SetUpAsync(nameof(Kubernetes_mode_commits_its_outbox_entry_positions_and_held_markers_and_stand_alone_touches_none), TimeSpan.FromMinutes(1));
        var script = new CommitScript(s.Keys);
        var ttl = TimeSpan.FromMinutes(1);
        var standalone = new CommitWrite(s.Lease.LockId, s.Lease.Epoch, 1) { Results = [new ResultWrite("a", "{}", ttl)] };
        Assert.Equal(CommitStatus.Committed, (await script.RunAsync(s.Db, standalone)).Status);
        Assert.False(await s.Db.KeyExistsAsync(s.Keys.Outbox) || await s.Db.KeyExistsAsync(s.Keys.WatchPositions));

        var kubernetes = new CommitWrite(s.Lease.LockId, s.Lease.Epoch, 2)
        {
            Results = [new ResultWrite("sent", "{}", ttl), new ResultWrite("held", null, ttl)],
            Kubernetes = new KubernetesWrite($"{s.Lease.Epoch}-1", 1234, "[]", new Dictionary<string, string> { ["games"] = "77" }),
        };
        Assert.Equal(CommitStatus.Committed, (await script.RunAsync(s.Db, kubernetes)).Status);

        var entry = Assert.Single(await s.Db.StreamRangeAsync(s.Keys.Outbox));
        Assert.Equal(($"{s.Lease.Epoch}-1", 1234L), ((string)entry.Id!, (long)entry["at"]));
        Assert.Equal("77", (string?)await s.Db.HashGetAsync(s.Keys.WatchPositions, "games"));
        Assert.True(await s.Db.KeyExistsAsync(s.Keys.Held("held")));
        Assert.False(await s.Db.KeyExistsAsync(s.Keys.Result("held")));
        Assert.False(await s.Db.KeyExistsAsync(s.Keys.Held("sent")));
        Assert.True(await s.Db.KeyExistsAsync(s.Keys.Result("sent")));
    }
}

public class GameServerJsonTests
{
    [Fact]
    public void A_hand_edited_entry_with_null_fields_reads_as_empty_not_null()
    {
        var server = GameServerJson.Deserialize("""{"name":"x","nodeName":null,"labels":null,"counters":null,"lists":null,"ports":null}""");
        Assert.Equal("", server.NodeName);
        Assert.Empty(server.Labels);
        Assert.Empty(server.Counters);
        Assert.Empty(server.Ports);
    }

    [Fact]
    public void An_entry_with_a_null_counter_is_refused_as_unreadable()
    {
        Assert.Throws<System.Text.Json.JsonException>(() => GameServerJson.Deserialize("""{"name":"x","counters":{"rooms":null}}"""));
    }
}
