using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Service.Telemetry;

/// <summary>What the leader reports about itself, its queue and its fleet, taken every <see cref="Interval"/>.</summary>
public sealed record LeaderSnapshot(long Epoch, IReadOnlyList<StreamBacklog> Streams, FleetTally Fleets)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
}

public sealed record StreamBacklog(string Stream, long Undelivered, long Pending)
{
    /// <summary>Entries not yet read, and read but unanswered, per request stream (XINFO GROUPS; read-only).</summary>
    public static async Task<IReadOnlyList<StreamBacklog>> ReadAsync(IDatabase db, KeyLayout keys)
    {
        var backlog = new List<StreamBacklog>(2);
        foreach (var (name, key) in new[] { ("requests", keys.Requests), ("inventory", keys.Inventory) })
        {
            StreamGroupInfo group;
            try
            {
                group = (await db.StreamGroupInfoAsync(key)).FirstOrDefault(g => g.Name == KeyLayout.ProcessorGroup);
            }
            catch (RedisServerException e) when (e.Message.Contains("no such key", StringComparison.Ordinal))
            {
                // No stream yet (a fleet whose first leader has not begun): nothing waits in it.
                group = default;
            }

            backlog.Add(new StreamBacklog(name, group.Lag ?? 0, group.PendingMessageCount));
        }

        return backlog;
    }
}

/// <summary>Game servers by fleet and state, and session usage by fleet and counter (lists count as counters).</summary>
public sealed record FleetTally(IReadOnlyList<FleetStateCount> States, IReadOnlyList<FleetSessions> Sessions)
{
    /// <summary>The Agones label that names a game server's fleet.</summary>
    public const string FleetLabel = "agones.dev/fleet";

    public static FleetTally Of(IEnumerable<GameServer> servers)
    {
        var states = new Dictionary<(string, string), long>();
        var sessions = new Dictionary<(string, string), (long Used, long Capacity)>();
        foreach (var server in servers)
        {
            var fleet = server.Labels.GetValueOrDefault(FleetLabel, "");
            states[(fleet, server.State)] = states.GetValueOrDefault((fleet, server.State)) + 1;
            if (!server.IsCandidate) continue;
            foreach (var (name, counter) in server.Counters) Add(sessions, (fleet, name), counter.Count, counter.Capacity);
            foreach (var (name, list) in server.Lists) Add(sessions, (fleet, name), list.Values.Count, list.Capacity);
        }

        return new FleetTally(
            [.. states.Select(kv => new FleetStateCount(kv.Key.Item1, kv.Key.Item2, kv.Value))],
            [.. sessions.Select(kv => new FleetSessions(kv.Key.Item1, kv.Key.Item2, kv.Value.Used, kv.Value.Capacity))]);
    }

    private static void Add(Dictionary<(string, string), (long Used, long Capacity)> sessions, (string, string) key, long used, long capacity)
    {
        var sum = sessions.GetValueOrDefault(key);
        sessions[key] = (sum.Used + used, sum.Capacity + capacity);
    }
}

public sealed record FleetStateCount(string Fleet, string State, long Count);

public sealed record FleetSessions(string Fleet, string Counter, long Used, long Capacity);
