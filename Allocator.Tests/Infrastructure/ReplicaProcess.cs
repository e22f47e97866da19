using System.Diagnostics;
using System.Text;
using Allocation.V1;
using Allocator.Inventory.V1;
using Grpc.Net.Client;

namespace Allocator.Tests.Infrastructure;

/// <summary>
/// One allocator replica as a real process (the service binary), so a test can SIGKILL it.
/// Ready once its gRPC port accepts a call.
/// </summary>
public sealed class ReplicaProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ReplicaProcess(string id, int port, int opsPort, Process process)
    {
        Id = id;
        Port = port;
        OpsPort = opsPort;
        _process = process;
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Allocation = new AllocationService.AllocationServiceClient(Channel);
        Inventory = new InventoryService.InventoryServiceClient(Channel);
    }

    public string Id { get; }
    public int Port { get; }
    /// <summary>Plain HTTP/1.1: /healthz, /readyz, /metrics and REST.</summary>
    public int OpsPort { get; }
    public GrpcChannel Channel { get; }
    public AllocationService.AllocationServiceClient Allocation { get; }
    public InventoryService.InventoryServiceClient Inventory { get; }
    public bool HasExited => _process.HasExited;

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static Task<ReplicaProcess> StartAsync(string id, string redis, string prefix, params string[] settings) =>
        StartAsync(id, redis, prefix, new Dictionary<string, string>(), settings);

    /// <param name="environment">Extra environment variables (e.g. POD_NAME, as the downward API sets it).</param>
    public static Task<ReplicaProcess> StartAsync(string id, string redis, string prefix, IReadOnlyDictionary<string, string> environment, params string[] settings) =>
        StartAsync(null, id, redis, prefix, environment, settings);

    /// <summary>A replica run by another subcommand of the binary than <c>serve</c> (the benchmark's <c>baseline-replica</c>).</summary>
    public static Task<ReplicaProcess> StartCommandAsync(string command, string id, string redis, string prefix, params string[] settings) =>
        StartAsync(command, id, redis, prefix, new Dictionary<string, string>(), settings);

    private static async Task<ReplicaProcess> StartAsync(string? command, string id, string redis, string prefix, IReadOnlyDictionary<string, string> environment, string[] settings)
    {
        // A port found free can be taken (by any socket of a busy test run) before the replica
        // binds it: then the replica exits saying so, and starts again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            var replica = Launch(command, id, redis, prefix, environment, settings);
            try
            {
                await replica.WaitUntilListeningAsync();
                return replica;
            }
            catch (InvalidOperationException) when (attempt < 3 && replica.HasExited && replica.Log.Contains("address already in use", StringComparison.Ordinal))
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static ReplicaProcess Launch(string? command, string id, string redis, string prefix, IReadOnlyDictionary<string, string> environment, string[] settings)
    {
        var port = RedisServer.FreePort();
        // The kernel may hand the same free port out twice in a row.
        var opsPort = RedisServer.FreePort();
        while (opsPort == port) opsPort = RedisServer.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Allocator.Service.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        foreach (var arg in new[] { dll }.Concat(command is null ? [] : [command]).Concat(
        [
            "--Allocator:ListenAddress=127.0.0.1", $"--Allocator:Port={port}", $"--Allocator:OpsPort={opsPort}", "--Allocator:Plaintext=true",
            $"--Allocator:Redis={redis}", $"--Allocator:KeyPrefix={prefix}", $"--Allocator:ReplicaId={id}",
            "--Logging:LogLevel:Default=Information",
            // A call that sets no deadline gets the longest one allowed (30 s, MaxDeadline), not
            // the 10 s default: a first call on a machine busy with the rest of the suite must not
            // fail on time. A test's own settings come later and win (e.g. a 1 s MaxDeadline).
            "--Allocator:DefaultDeadline=00:00:30",
        ]).Concat(settings))
        {
            info.ArgumentList.Add(arg);
        }

        var replica = new ReplicaProcess(id, port, opsPort, Process.Start(info)!);
        replica._process.OutputDataReceived += (_, e) => replica.Append(e.Data);
        replica._process.ErrorDataReceived += (_, e) => replica.Append(e.Data);
        replica._process.BeginOutputReadLine();
        replica._process.BeginErrorReadLine();
        return replica;
    }

    public int Pid => _process.Id;

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as Kubernetes sends on a rolling update; completes when the process has exited.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        KeepLog();
        _process.Dispose();
    }

    /// <summary>
    /// With <c>ALLOCATOR_TEST_LOGS</c> set to a folder, every replica's whole log is written there
    /// when it is disposed: what a failed run's replicas said, which a test's message rarely shows.
    /// </summary>
    private void KeepLog()
    {
        if (Environment.GetEnvironmentVariable("ALLOCATOR_TEST_LOGS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, $"{DateTime.UtcNow:HHmmss}-{Id}-{_process.Id}.log"), Log);
    }

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaitedLines = [];

    /// <summary>
    /// Completes once the replica has logged a line containing <paramref name="text"/> (at once if
    /// it already has): its output arrives asynchronously, so a line written before an observable
    /// effect may reach us after it. Fails after <paramref name="timeout"/> (default 60 s) with the log.
    /// </summary>
    public async Task WaitForLogAsync(string text, TimeSpan? timeout = null)
    {
        TaskCompletionSource seen;
        lock (_log)
        {
            if (_log.ToString().Contains(text, StringComparison.Ordinal)) return;
            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaitedLines.Add((text, seen));
        }

        var patience = timeout ?? TimeSpan.FromSeconds(60);
        try
        {
            await seen.Task.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"replica {Id} did not log \"{text}\" within {patience.TotalSeconds} s:\n{Log}");
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.AppendLine(line);
            for (var i = _awaitedLines.Count - 1; i >= 0; i--)
            {
                if (!line.Contains(_awaitedLines[i].Text, StringComparison.Ordinal)) continue;
                _awaitedLines[i].Seen.TrySetResult();
                _awaitedLines.RemoveAt(i);
            }
        }

        if (line.Contains("Application started")) _listening.TrySetResult();
    }

    private async Task WaitUntilListeningAsync()
    {
        // Generous: with the whole suite starting replicas on two busy cores, a start (JIT, warm-up) can take long.
        var exited = _process.WaitForExitAsync();
        var done = await Task.WhenAny(_listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(120)));
        if (done != _listening.Task) throw new InvalidOperationException($"replica {Id} did not start:\n{Log}");
    }
}
