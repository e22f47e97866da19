using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace Allocator.Tests.Infrastructure;

/// <summary>
/// One real Redis for the whole test run: a Testcontainers container when a Docker engine
/// answers, otherwise <c>redis-server</c> from PATH on a free loopback port. A missing Redis
/// fails the tests; nothing is skipped. Tests isolate themselves with their own key prefix.
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    private static readonly Lazy<Task<RedisServer>> Shared = new(async () =>
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().GetAwaiter().GetResult();
        return server;
    });

    /// <summary>The run's server, started on first use; test classes share it and run in parallel.</summary>
    public static Task<RedisServer> GetAsync() => Shared.Value;

    /// <summary>A redis-server of the test's own (e.g. a replica: <c>--replicaof 127.0.0.1 PORT</c>); dispose it.</summary>
    public static async Task<RedisServer> StartOwnAsync(string arguments = "")
    {
        var server = new RedisServer { _arguments = arguments };
        server.ConnectionString = await server.StartLocalAsync();
        server.Connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        return server;
    }

    private string _arguments = "";

    public int Port => int.Parse(ConnectionString[(ConnectionString.LastIndexOf(':') + 1)..]);

    /// <summary>SIGSTOP (true) or SIGCONT (false): a server that stops answering without closing its connections.</summary>
    public async Task PauseAsync(bool paused)
    {
        using var signal = Process.Start("kill", $"-{(paused ? "STOP" : "CONT")} {_process!.Id}");
        await signal.WaitForExitAsync();
    }

    /// <summary>
    /// Kills a server of the test's own: an outage, as clients see a crash. With
    /// <paramref name="keepData"/> it first saves its data (SAVE, as persistence would have),
    /// which <see cref="StartAgainAsync"/> loads: an outage that loses nothing.
    /// </summary>
    public async Task StopAsync(bool keepData = false)
    {
        var dump = Path.Combine(_dataFolder.FullName, "dump.rdb");
        if (keepData)
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true");
            await admin.GetServer(ConnectionString).SaveAsync(SaveType.ForegroundSave);
        }
        else
        {
            File.Delete(dump);
        }

        _process!.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>After <see cref="StopAsync"/>: a new server on the same port, empty unless the stop kept the data.</summary>
    public async Task StartAgainAsync() => ConnectionString = await StartLocalAsync(Port);

    private RedisContainer? _container;
    private Process? _process;
    // Where a server of the test's own keeps a dump (only StopAsync(keepData) writes one).
    private readonly DirectoryInfo _dataFolder = Directory.CreateTempSubdirectory("allocator-redis-");

    public string ConnectionString { get; private set; } = "";
    public ConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await StartContainerAsync() ?? await StartLocalAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        Connection?.Dispose();
        if (_container is not null) await _container.DisposeAsync();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _dataFolder.Delete(recursive: true);
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix(string name) => $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)];

    private async Task<string?> StartContainerAsync()
    {
        try
        {
            _container = new RedisBuilder("redis:7.2").Build();
            await _container.StartAsync();
            return _container.GetConnectionString();
        }
        catch (Exception e) when (e is DockerUnavailableException or InvalidOperationException or TimeoutException or ArgumentException)
        {
            _container = null;
            return null;
        }
    }

    private async Task<string> StartLocalAsync(int? samePort = null)
    {
        var port = samePort ?? FreePort();
        var info = new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --protected-mode yes --dir {_dataFolder.FullName} {_arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("No Docker engine and no redis-server on PATH: install redis-server (scripts/test.sh does).", e);
        }

        var endpoint = $"127.0.0.1:{port}";
        // A deadline, not a number of attempts: each attempt is slower on a busy machine.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var probe = await ConnectionMultiplexer.ConnectAsync(endpoint + ",connectTimeout=200");
                await probe.GetDatabase().PingAsync();
                return endpoint;
            }
            catch (RedisConnectionException)
            {
                if (_process.HasExited) throw new InvalidOperationException($"redis-server exited: {await _process.StandardError.ReadToEndAsync()}");
                await Task.Delay(50); // polling a process we do not control: no signal to wait on
            }
        }

        throw new TimeoutException($"redis-server on {endpoint} did not answer within 60 s");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

