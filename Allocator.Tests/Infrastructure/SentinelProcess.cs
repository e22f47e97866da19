using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Allocator.Tests.Infrastructure;

/// <summary>
/// A real Redis Sentinel (<c>redis-server FILE --sentinel</c>, the same binary the tests' Redis
/// runs) on a free loopback port, watching the primary on <c>monitorPort</c> as <c>mymaster</c>.
/// </summary>
public sealed class SentinelProcess : IAsyncDisposable
{
    public const string ServiceName = "mymaster";

    private readonly Process _process;
    private readonly string _folder;

    private SentinelProcess(Process process, string folder, int port) => (_process, _folder, Port) = (process, folder, port);

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<SentinelProcess> StartAsync(int monitorPort, int quorum = 1)
    {
        var port = RedisServer.FreePort();
        var folder = Directory.CreateTempSubdirectory("sentinel-").FullName;
        var config = Path.Combine(folder, "sentinel.conf");
        await File.WriteAllTextAsync(config, $"""
            port {port}
            bind 127.0.0.1
            dir {folder}
            sentinel monitor {ServiceName} 127.0.0.1 {monitorPort} {quorum}
            sentinel down-after-milliseconds {ServiceName} 1000
            sentinel failover-timeout {ServiceName} 3000

            """);
        var process = Process.Start(new ProcessStartInfo("redis-server", $"{config} --sentinel") { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("redis-server --sentinel did not start");
        var sentinel = new SentinelProcess(process, folder, port);
        await Until.TrueAsync(async () => await sentinel.AskAsync($"SENTINEL GET-MASTER-ADDR-BY-NAME {ServiceName}") is { } answer && answer.Contains(monitorPort.ToString()),
            $"the Sentinel on {port} watches 127.0.0.1:{monitorPort}", () => process.HasExited ? process.StandardOutput.ReadToEnd() : "");
        return sentinel;
    }

    /// <summary>One inline command; the raw reply, or null when the Sentinel does not answer.</summary>
    public async Task<string?> AskAsync(string command)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }
}
