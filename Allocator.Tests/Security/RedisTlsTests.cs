using Allocator.Service.Api;
using System.Diagnostics;
using Allocation.V1;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.Security;

/// <summary>The service against a real redis-server that only speaks TLS, trusting a custom CA.</summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _pki = new();
    private Process _redis = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _port = RedisServer.FreePort();
        var info = new ProcessStartInfo("redis-server",
        [
            "--port", "0", "--tls-port", _port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--tls-cert-file", _pki.ServerCertificateFile, "--tls-key-file", _pki.ServerKeyFile,
            "--tls-ca-cert-file", _pki.CaFile, "--tls-auth-clients", "no",
        ])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        _redis = Process.Start(info)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _redis.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Ready to accept connections") == true) ready.TrySetResult(); };
        _redis.BeginOutputReadLine();
        var exited = _redis.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            throw new InvalidOperationException("redis-server with TLS did not start: " + await _redis.StandardError.ReadToEndAsync());
        }
    }

    public async Task DisposeAsync()
    {
        if (!_redis.HasExited) _redis.Kill();
        await _redis.WaitForExitAsync();
        _redis.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task The_service_allocates_through_a_TLS_only_Redis_with_a_custom_CA()
    {
        await using var replica = await ReplicaProcess.StartAsync("tls-redis", $"127.0.0.1:{_port}", "tls",
            "--Allocator:RedisTls=true", $"--Allocator:RedisCaFile={_pki.CaFile}",
            "--Allocator:Inventory:DemoFleet=servers=2,nodes=1,capacity=2,counter=rooms,fleet=tls");
        var allocated = await replica.Allocation.AllocateAsync(SessionRequests.HighDensity("tls", "rooms"));
        Assert.StartsWith("tls-", allocated.GameServerName);
    }

    [Fact]
    public async Task Without_the_CA_the_service_refuses_Redis_and_says_so()
    {
        await using var replica = await ReplicaProcess.StartAsync("tls-untrusted", $"127.0.0.1:{_port},connectTimeout=1000", "tls-untrusted",
            "--Allocator:RedisTls=true", "--Allocator:Lead=false");
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            replica.Allocation.AllocateAsync(new AllocationRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20))).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("unreachable", e.Status.Detail);
    }
}
