using StackExchange.Redis;

namespace Allocator.Service.Storage;

/// <summary>
/// Every Redis key and channel of one fleet, built in one place. All share the hash tag
/// <c>{prefix}</c>, so multi-key scripts stay on one Redis Cluster slot. With several
/// partitions each has its own layout (prefix <c>alloc:p</c>).
/// </summary>
public sealed class KeyLayout(string prefix, int partition = 0)
{
    public const string ProcessorGroup = "processors";

    public string Prefix { get; } = prefix;
    /// <summary>The partition these keys belong to (0 with one partition).</summary>
    public int Partition { get; } = partition;
    private string Tag => "{" + Prefix + "}:";

    public RedisKey Requests => Tag + "requests";
    public RedisKey Inventory => Tag + "inventory";
    public RedisKey GameServers => Tag + "gameservers";
    public RedisKey Leader => Tag + "leader";
    public RedisKey LeaderInfo => Tag + "leader-info";
    public RedisKey Epoch => Tag + "epoch";
    public RedisKey Members => Tag + "members";
    /// <summary>Kubernetes mode: committed allocations still to be written back (entry id epoch-sequence).</summary>
    public RedisKey Outbox => Tag + "outbox";
    /// <summary>Kubernetes mode: watch scope (namespace, or * for all) -> resourceVersion the hash reflects.</summary>
    public RedisKey WatchPositions => Tag + "watch";
    /// <summary>Kubernetes mode: this fleet's random id, part of the outbox-id annotation (so marks survive no Redis data loss unnoticed).</summary>
    public RedisKey FleetId => Tag + "fleet-id";
    /// <summary>Change log of the occupancy hash: one entry per commit naming the servers it wrote.</summary>
    public RedisKey Changes => Tag + "changes";
    /// <summary>Sequence number of the last change-log entry (a follower detects gaps with it).</summary>
    public RedisKey ChangeSeq => Tag + "changes-seq";
    /// <summary>Number of the last commit: a leader that finds it other than it left it knows Redis lost writes (a failover) and starts a new term.</summary>
    public RedisKey Commit => Tag + "commit";
    /// <summary>Highest commit known to be on MinReplicas replicas: stored answers up to it may be handed out.</summary>
    public RedisKey Replicated => Tag + "replicated";
    /// <summary>The leader's index shapes (JSON), so that standbys build the same indexes ahead of a takeover.</summary>
    public RedisKey IndexShapes => Tag + "index-shapes";
    /// <summary>Fingerprint of the seed last applied, so a seed is applied once (removals stick).</summary>
    public RedisKey Seed => Tag + "seed";

    /// <summary>A replica's scratch lock for rehearsing the lease before it is ready.</summary>
    public string WarmupLock(string replica) => Tag + "warmup-lock:" + replica;
    /// <summary>A replica's scratch stream for rehearsing the claim of pending entries (deleted after).</summary>
    public RedisKey WarmupStream(string replica) => Tag + "warmup:" + replica;

    public RedisKey Result(string requestId) => Tag + "result:" + requestId;

    /// <summary>Kubernetes mode: set while a request's answer waits for Kubernetes (a front then does not settle it).</summary>
    public RedisKey Held(string requestId) => Tag + "held:" + requestId;

    // Channels are sharded (SPUBLISH/SSUBSCRIBE, Redis 7): on Redis Cluster a message stays on
    // the shard of its partition's slot instead of crossing the cluster bus to every node.
    public RedisChannel Reply(string replica) => RedisChannel.Sharded(Tag + "reply:" + replica);
    public RedisChannel Wake => RedisChannel.Sharded(Tag + "wake");
    /// <summary>Leadership announcements (a lease was released) so candidates try at once.</summary>
    public RedisChannel LeaseEvents => RedisChannel.Sharded(Tag + "lease");
}
