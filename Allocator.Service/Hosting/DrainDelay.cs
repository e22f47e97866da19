using Microsoft.Extensions.Options;

namespace Allocator.Service.Hosting;

/// <summary>
/// On SIGTERM readiness turns false at once (and leadership is handed over), but the ports
/// stay open for <see cref="HostingOptions.DrainDelay"/>: load balancers and Kubernetes
/// endpoints need a moment to stop routing here, and calls that still arrive are served.
/// </summary>
public sealed class DrainDelay(IOptions<HostingOptions> options, TimeProvider time) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        options.Value.DrainDelay > TimeSpan.Zero ? Task.Delay(options.Value.DrainDelay, time, cancellationToken) : Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
