namespace Allocator.Tests.Infrastructure;

/// <summary>Replica processes started together and stopped together (await using).</summary>
public sealed class ReplicaGroup : IAsyncDisposable
{
    private readonly List<ReplicaProcess> _replicas = [];

    public IReadOnlyList<ReplicaProcess> All => _replicas;

    public ReplicaProcess this[int i] => _replicas[i];

    public static async Task<ReplicaGroup> StartAsync(RedisServer redis, string prefix, int count, string namePrefix, params string[] settings)
    {
        var group = new ReplicaGroup();
        group._replicas.AddRange(await Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            ReplicaProcess.StartAsync($"{namePrefix}{i}", redis.ConnectionString, prefix, settings))));
        return group;
    }

    /// <summary>Adds a replica started later (e.g. a new version in a rollout); it is stopped with the rest.</summary>
    public Task<ReplicaProcess> AddAsync(string id, RedisServer redis, string prefix, params string[] settings) =>
        AddAsync(id, redis, prefix, new Dictionary<string, string>(), settings);

    /// <summary>Adds a replica of a Redis named by its connection string (e.g. a cluster's nodes).</summary>
    public async Task<ReplicaProcess> AddAsync(string id, string redis, string prefix, params string[] settings)
    {
        var replica = await ReplicaProcess.StartAsync(id, redis, prefix, settings);
        _replicas.Add(replica);
        return replica;
    }

    public async Task<ReplicaProcess> AddAsync(string id, RedisServer redis, string prefix, IReadOnlyDictionary<string, string> environment, params string[] settings)
    {
        var replica = await ReplicaProcess.StartAsync(id, redis.ConnectionString, prefix, environment, settings);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>The end of every replica's log, for a failure message.</summary>
    public string LogTails(int lines = 40) => string.Join("\n", _replicas.Select(r => $"--- {r.Id}\n{string.Join("\n", r.Log.Split('\n').TakeLast(lines))}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
    }
}
