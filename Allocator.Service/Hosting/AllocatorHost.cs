using Allocator.Service.Agones;
using Allocator.Service.Api;
using Allocator.Service.Inventory;
using Allocator.Service.KubernetesApi;
using Allocator.Service.Leadership;
using Allocator.Service.MultiCluster;
using Allocator.Service.Partitions;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Security;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Hosting;

/// <summary>
/// Builds one replica: every replica runs the same roles (front, and candidate/leader of each
/// partition). One <c>Add*</c> per capability; what each partition has of its own is built by
/// the <c>AddPartition*</c> calls, into the partition's container.
/// </summary>
public static class AllocatorHost
{
    /// <param name="benchmark">
    /// Benchmark modes only (<c>baseline-replica</c>): changes each partition's composition
    /// after every capability is added. The product passes nothing.
    /// </param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? benchmark = null)
    {
        // appsettings.json ships beside the binary: find it whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Never a log line per request at the default level: at thousands of calls a second the
        // console logger alone would cost a tenth of a replica's CPU.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        // RedLock.net warns on every failed extension; the leader says it lost its lease itself.
        builder.Logging.AddFilter("RedLockNet", LogLevel.Error);
        // One line per failed probe during an outage or a shutdown says nothing the Redis outage
        // warning and the readiness lines do not say already.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        builder.Logging.AddTimestamps();

        var configuration = builder.Configuration;
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services
            .AddHosting(configuration)
            .AddSecurity(configuration)
            .AddStorage(configuration)
            .AddQueue(configuration)
            .AddLeadership(configuration)
            .AddProcessing(configuration)
            .AddInventory(configuration)
            .AddAgones(configuration)
            .AddPartitions(configuration, partition =>
            {
                partition
                    .AddPartitionScripts()
                    .AddPartitionQueue()
                    .AddPartitionLeadership()
                    .AddPartitionProcessing()
                    .AddPartitionInventory(configuration)
                    .AddPartitionAgones(configuration);
                benchmark?.Invoke(partition);
            })
            .AddMultiCluster(configuration)
            .AddApi(configuration)
            .AddKubernetesApi(configuration)
            .AddHealth()
            .AddTelemetry(configuration);

        var app = builder.Build();
        app.UseOpsPortFilter(app.Services.GetRequiredService<IOptions<HostingOptions>>().Value, app.Services.GetRequiredService<IOptions<TransportOptions>>().Value);
        app.MapApi();
        app.MapKubernetesApi();
        app.MapHealth();
        app.MapTelemetry();
        return app;
    }

    /// <summary>Who this replica is, its ports and its shutdown.</summary>
    private static IServiceCollection AddHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<HostingOptions, HostingOptionsValidator>(configuration).PostConfigure(o =>
        {
            if (string.IsNullOrWhiteSpace(o.ReplicaId)) o.ReplicaId = $"{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<HostingOptions>>().Value;
            return new ReplicaIdentity(options.ReplicaId, options.Version);
        });
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HostingOptions>, IOptions<TransportOptions>, IServiceProvider>(
            (kestrel, hosting, transport, provider) => Endpoints.Configure(kestrel, hosting.Value, transport.Value,
                provider.GetRequiredService<ClientCertificateAuthorities>(), provider.GetService<FrontProxyAuthority>(), provider.GetRequiredService<TimeProvider>()));
        services.AddOptions<HostOptions>().Configure<IOptions<HostingOptions>>((host, hosting) => host.ShutdownTimeout = hosting.Value.ShutdownTimeout);
        services.AddHostedService<DrainDelay>();
        return services;
    }
}
