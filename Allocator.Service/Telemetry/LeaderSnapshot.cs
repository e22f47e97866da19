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
