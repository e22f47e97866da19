using System.Diagnostics;
using StackExchange.Redis;

namespace Allocator.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of the test's own on loopback: three primaries and a replica each
/// (<c>redis-server --cluster-enabled yes</c>, joined by <c>redis-cli --cluster create</c>).
/// A primary can be killed; its replica is promoted by the cluster itself. Shards whose primary
/// is up keep serving meanwhile (<c>cluster-require-full-coverage no</c>).
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    public const int NodeTimeoutMs = 1000;

    private readonly string _dir = Directory.CreateTempSubdirectory("redis-cluster-").FullName;
    private readonly Dictionary<int, Process> _nodes = [];
    // Each node's cluster bus port, chosen free like the node's: the default (port + 10000) does
    // not exist for a free port above 55535, and redis-server refuses to start there.
    private readonly Dictionary<int, int> _busPorts = [];

    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>Every node, as the service's <c>Allocator:Redis</c> names them.</summary>
    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"));

    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public static async Task<RedisCluster> StartAsync()
    {
        var cluster = new RedisCluster();
        try
        {
            cluster.Ports = Enumerable.Range(0, 6).Select(_ => RedisServer.FreePort()).ToArray();
            foreach (var port in cluster.Ports) cluster._busPorts[port] = RedisServer.FreePort();
            foreach (var port in cluster.Ports) cluster.StartNode(port);
            foreach (var port in cluster.Ports) await WaitForPingAsync(port);
            var create = await RunAsync("redis-cli", $"--cluster create {string.Join(" ", cluster.Ports.Select(p => $"127.0.0.1:{p}"))} --cluster-replicas 1 --cluster-yes");
            Assert.True(create.Code == 0, "redis-cli --cluster create failed:\n" + create.Output);
            await Until.TrueAsync(async () => (await Task.WhenAll(cluster.Ports.Select(StateAsync))).All(s => s == "ok"), "every node of the cluster says cluster_state:ok");
            cluster.Connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString + ",allowAdmin=true");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port of the primary that serves <paramref name="key"/>'s slot now.</summary>
    public int PrimaryOf(RedisKey key) => ((System.Net.IPEndPoint)Connection.GetServer(key, flags: CommandFlags.DemandMaster).EndPoint).Port;

    /// <summary>Whether the node calls itself a primary now (<c>ROLE</c>).</summary>
    public async Task<bool> IsPrimaryAsync(int port)
    {
        try
        {
            var role = (RedisResult[])(await Connection.GetServer("127.0.0.1", port).ExecuteAsync("ROLE"))!;
            return (string?)role[0] == "master";
        }
        catch (RedisException)
        {
            return false;
        }
    }

    /// <summary>kill -9 of one node, as a crash.</summary>
    public async Task KillAsync(int port)
    {
        var node = _nodes[port];
        node.Kill(entireProcessTree: true);
        await node.WaitForExitAsync();
    }

    /// <summary>
    /// Starts a killed node again with its cluster config, as a restarted pod would: it rejoins,
    /// as a replica of whoever took over its slots.
    /// </summary>
    public async Task RestartAsync(int port)
    {
        StartNode(port);
        await WaitForPingAsync(port);
    }

    /// <summary>The node that replicates <paramref name="primary"/> (as the cluster says).</summary>
    public async Task<int> ReplicaOfAsync(int primary)
    {
        foreach (var port in Ports.Where(p => p != primary && !_nodes[p].HasExited))
        {
            var info = (string)(await Connection.GetServer("127.0.0.1", port).ExecuteAsync("INFO", "replication"))!;
            if (info.Contains($"master_port:{primary}", StringComparison.Ordinal)) return port;
        }

        throw new InvalidOperationException($"no replica of 127.0.0.1:{primary} ({await NodeIdAsync(primary)}) found");
    }

    /// <summary>Moves <paramref name="slots"/> slots from one primary to another under load (<c>redis-cli --cluster reshard</c>).</summary>
    public async Task ReshardAsync(int fromPort, int toPort, int slots)
    {
        var from = await NodeIdAsync(fromPort);
        var to = await NodeIdAsync(toPort);
        var reshard = await RunAsync("redis-cli", $"--cluster reshard 127.0.0.1:{Ports[0]} --cluster-from {from} --cluster-to {to} --cluster-slots {slots} --cluster-yes");
        Assert.True(reshard.Code == 0, "redis-cli --cluster reshard failed:\n" + reshard.Output);
    }

    private async Task<string> NodeIdAsync(int port) =>
        ((string)(await Connection.GetServer("127.0.0.1", port).ExecuteAsync("CLUSTER", "MYID"))!).Trim();

    public async ValueTask DisposeAsync()
    {
        Connection?.Dispose();
        foreach (var node in _nodes.Values.Where(n => !n.HasExited))
        {
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
        }

        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void StartNode(int port)
    {
        var info = new ProcessStartInfo("redis-server",
            $"--port {port} --cluster-port {_busPorts[port]} --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes-{port}.conf --cluster-node-timeout {NodeTimeoutMs} " +
            // The shards whose primaries are up keep serving while one fails over.
            "--cluster-require-full-coverage no " +
            // A log file, not a pipe nobody reads: a full pipe would freeze the node.
            $"--dir {_dir} --logfile node-{port}.log --save \"\" --appendonly no --protected-mode yes");
        _nodes[port] = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
    }

    private static async Task WaitForPingAsync(int port) =>
        await Until.TrueAsync(async () => (await RunAsync("redis-cli", $"-p {port} ping")).Output.Trim() == "PONG", $"redis-server on {port} answers");

    private static async Task<string> StateAsync(int port)
    {
        var info = (await RunAsync("redis-cli", $"-p {port} cluster info")).Output;
        return info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("cluster_state:", StringComparison.Ordinal))?["cluster_state:".Length..] ?? "";
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {arguments}: still running after 2 minutes, killed\n" + await output + await error);
        }

        return (process.ExitCode, await output + await error);
    }
}
