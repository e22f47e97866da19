using Allocator.Queue.V1;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Tests.Infrastructure;
using StackExchange.Redis;

namespace Allocator.Tests.Storage;

/// <summary>
/// Replicated before told (MinReplicas = 1), against a real primary and replica: while the
/// replica does not acknowledge a commit, its answers are neither sent nor handed out to a
/// retry or a front settling at its deadline; once it does, they are.
/// </summary>
public sealed class ReplicationTests : IAsyncLifetime
{
    private RedisServer _primary = null!;
    private RedisServer _replica = null!;

    public async Task InitializeAsync()
    {
        _primary = await RedisServer.StartOwnAsync();
        _replica = await RedisServer.StartOwnAsync($"--replicaof 127.0.0.1 {_primary.Port}");
        // Synced: a write on the primary can be acknowledged.
        var db = _primary.Connection.GetDatabase();
        await db.StringSetAsync("probe", "1");
        await Until.TrueAsync(async () => (long)await db.ExecuteAsync("WAIT", 1, 100) >= 1, "the replica syncs");
    }

    public async Task DisposeAsync()
    {
        await _replica.PauseAsync(false);
        await _replica.DisposeAsync();
        await _primary.DisposeAsync();
    }

    [Fact]
    public async Task Answers_of_a_commit_the_replica_has_not_acknowledged_go_out_only_once_it_has()
    {
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(ReplicationTests)));
        var db = _primary.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(_primary.Connection, keys);
        var committer = TestTerm.Committer(keys, minReplicas: 1);
        await db.StreamAddAsync(keys.Requests, [new(EntryFields.Id, "r1"), new(EntryFields.Replica, "front-1"), new(EntryFields.Request, "{}")]);
        var batch = (await TestTerm.Reader(keys).ReadAsync(db, 10))!;
        var replies = new TaskCompletionSource<ReplyBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _primary.Connection.GetSubscriber().SubscribeAsync(keys.Reply("front-1"), (_, m) => replies.TrySetResult(ReplyBatch.Parser.ParseFrom((byte[])m!)));
        var settle = new SettleScript(keys);
        var enqueue = new EnqueueScript(keys);
        Task<string> SettleAsync() => settle.RunAsync(db, "r1", heldMarkers: false, replicatedMark: true, "deadline", "leaderless", TimeSpan.FromSeconds(30), "not final");

        await _replica.PauseAsync(true);
        var committing = committer.CommitAsync(db, keys, lease, new DecidedBatch([new Answer(batch[0], new Outcome { Message = "allocated" }, AlreadyStored: false)], [], []));

        // Committed on the primary, not acknowledged: nothing may be told.
        await Until.TrueAsync(async () => await db.KeyExistsAsync(keys.Result("r1")), "the commit reaches the primary");
        Assert.Contains("\"commit\": \"1\"", (string?)await db.StringGetAsync(keys.Result("r1")));
        Assert.Equal("not final", await SettleAsync());
        Assert.Null(await enqueue.RunAsync(db, inventory: false, "r1", [new(EntryFields.Id, "r1")], replicatedMark: true));
        Assert.Equal(2, await db.StreamLengthAsync(keys.Requests)); // the retry is queued, for the leader to answer
        Assert.False(replies.Task.IsCompleted || committing.IsCompleted);

        await _replica.PauseAsync(false);
        Assert.Equal(CommitStatus.Committed, (await committing.WaitAsync(TimeSpan.FromSeconds(60))).Status);
        Assert.Equal("r1", Assert.Single((await replies.Task.WaitAsync(TimeSpan.FromSeconds(60))).Replies).RequestId);
        Assert.Equal(1, (long)await db.StringGetAsync(keys.Replicated));
        Assert.Contains("allocated", await SettleAsync());
        Assert.Contains("allocated", await enqueue.RunAsync(db, inventory: false, "r1", [new(EntryFields.Id, "r1")], replicatedMark: true));
    }

    [Fact]
    public async Task A_leader_whose_commits_Redis_lost_is_refused_and_its_term_ends()
    {
        var keys = new KeyLayout(RedisServer.UniquePrefix(nameof(A_leader_whose_commits_Redis_lost_is_refused_and_its_term_ends)));
        var db = _primary.Connection.GetDatabase();
        var lease = await TestTerm.BeginAsync(_primary.Connection, keys);
        var committer = TestTerm.Committer(keys);
        Assert.Equal(CommitStatus.Committed, (await committer.CommitAsync(db, lease, 1, new DecidedBatch([], [new() { Name = "a" }], []))).Status);

        // A failover lost commit 1: the counter is back at 0 while the leader counts on 1.
        await db.KeyDeleteAsync(keys.Commit);
        var refused = await committer.CommitAsync(db, lease, 2, new DecidedBatch([], [new() { Name = "b" }], []));

        Assert.Equal(CommitStatus.Behind, refused.Status);
        Assert.False(await db.HashExistsAsync(keys.GameServers, "default/b"));
    }
}
