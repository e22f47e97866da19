using Allocation.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using StackExchange.Redis;

namespace Allocator.Tests.EndToEnd;

/// <summary>Invariant checks over what callers were told and what Redis holds.</summary>
internal static class FleetAssertions
{
    public static async Task<List<GameServer>> ServersAsync(IDatabase db, string prefix) =>
        (await db.HashGetAllAsync(new KeyLayout(prefix).GameServers)).Select(e => GameServerJson.Deserialize(e.Value!)).ToList();

    /// <summary>
    /// I1: no server over capacity, and no session handed out twice: every answer names a
    /// distinct (server, count after the increment) pair. The stored counts add up to the
    /// answers given, so no allocation was lost or applied without an answer.
    /// </summary>
    public static void NoSessionLostOrDoubled(IReadOnlyCollection<AllocationResponse> answers, IReadOnlyCollection<GameServer> servers, string counter = "rooms")
    {
        var sessions = answers.Select(a => (a.GameServerName, a.Counters[counter].Count)).ToList();
        Assert.Equal(sessions.Count, sessions.Distinct().Count());
        Assert.All(servers, s => Assert.InRange(s.Counters[counter].Count, 0, s.Counters[counter].Capacity));
        Assert.Equal(answers.Count, servers.Sum(s => s.Counters[counter].Count));
    }
}
