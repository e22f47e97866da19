using System.Text.Json;
using System.Text.Json.Nodes;
using Allocator.Service.Agones;
using Allocator.Service.Allocation;
using Allocator.Service.Storage;
using Allocator.Tests.EndToEnd;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using StackExchange.Redis;

namespace Allocator.Tests.Agones;

/// <summary>A fake API server holding a fleet of Agones GameServers, and replicas in Kubernetes mode pointed at it.</summary>
internal static class KubernetesFleet
{
    public const string Namespace = "default";

    /// <summary>Puts <paramref name="count"/> Ready servers gs-00.. of fleet "demo" with a "rooms" counter.</summary>
    public static void Seed(FakeKubernetesApi fake, int count, long capacity, int nodes = 5)
    {
        for (var i = 0; i < count; i++)
        {
            fake.Put(FakeKubernetesApi.GameServer(Namespace, $"gs-{i:D2}", labels: new Dictionary<string, string> { ["agones.dev/fleet"] = "demo" },
                counters: new Dictionary<string, (long, long)> { ["rooms"] = (0, capacity) }, nodeName: $"node-{i % nodes}", address: $"10.0.0.{i + 1}"));
        }
    }

    public static string[] Settings(FakeKubernetesApi fake, params string[] more) =>
    [
        "--Allocator:Inventory:Source=kubernetes",
        $"--Allocator:Kubernetes:Host={fake.Url}",
        $"--Allocator:Kubernetes:Namespaces={Namespace}",
        .. more,
    ];

    /// <summary>The fake's GameServers as the allocator reads them.</summary>
    public static List<GameServer> Servers(FakeKubernetesApi fake) =>
        [.. fake.GameServers.Select(o => AgonesGameServer.Read(JsonSerializer.SerializeToElement<JsonNode>(o)).Server)];

    public static long Rooms(JsonObject gameServer) => (long)gameServer["status"]!["counters"]!["rooms"]!["count"]!;

    /// <summary>
    /// Waits until the write-back is done and the hash shows it: the outbox is empty, no server
    /// in the hash has a pending change, and every server in the hash has the state and counts
    /// the fake holds. There is no signal across the process boundary, so this polls.
    /// </summary>
    public static async Task<List<GameServer>> SettledAsync(FakeKubernetesApi fake, IDatabase db, string prefix, TimeSpan? timeout = null)
    {
        var keys = new KeyLayout(prefix);
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60)); // generous: a busy machine only makes it slower
        string last = "";
        while (DateTime.UtcNow < until)
        {
            var hash = await FleetAssertions.ServersAsync(db, prefix);
            var outbox = await db.StreamLengthAsync(keys.Outbox);
            var differences = Differences(Servers(fake), hash);
            if (outbox == 0 && hash.All(s => s.Pending is null) && differences.Count == 0) return hash;
            last = $"outbox {outbox}, pending {hash.Count(s => s.Pending is not null)}, differences: {string.Join("; ", differences.Take(5))}";
            await Task.Delay(100);
        }

        throw new TimeoutException("Kubernetes and the hash did not settle: " + last);
    }

    /// <summary>Where the hash and Kubernetes disagree on a server's existence, state or counters.</summary>
    public static List<string> Differences(IReadOnlyCollection<GameServer> kubernetes, IReadOnlyCollection<GameServer> hash)
    {
        var stored = hash.ToDictionary(s => s.Key);
        var differences = new List<string>();
        foreach (var server in kubernetes)
        {
            if (!stored.Remove(server.Key, out var copy)) differences.Add($"{server.Key} missing from the hash");
            else if (copy.State != server.State) differences.Add($"{server.Key} is {copy.State} in the hash, {server.State} in Kubernetes");
            else if (Describe(copy.Counters) != Describe(server.Counters)) differences.Add($"{server.Key} counters {Describe(copy.Counters)} in the hash, {Describe(server.Counters)} in Kubernetes");
        }

        differences.AddRange(stored.Keys.Select(k => $"{k} is in the hash, not in Kubernetes"));
        return differences;
    }

    private static string Describe(Dictionary<string, CounterState> counters) =>
        string.Join(",", counters.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value.Count}/{c.Value.Capacity}"));
}
