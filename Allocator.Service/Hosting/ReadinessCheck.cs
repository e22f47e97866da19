using Allocator.Service.Leadership;
using Allocator.Service.Partitions;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Hosting;

/// <summary>
/// Ready: warmed up, not shutting down, and Redis took this replica's last heartbeat in every partition (within
/// three <see cref="LeadershipOptions.HeartbeatInterval"/>s). A probe reads that state and
/// never waits on Redis itself. Kubernetes probes it through the gRPC health service (service
/// "" or "allocation.AllocationService"); on SIGTERM it turns NOT_SERVING before anything else
/// stops, so traffic moves away while calls drain.
/// </summary>
public sealed class ReadinessCheck(PartitionSet partitions, IOptions<LeadershipOptions> options) : IHealthCheck
{
    private static readonly Task<HealthCheckResult> Ready = Task.FromResult(HealthCheckResult.Healthy());
    private static readonly Task<HealthCheckResult> Leaving = Task.FromResult(HealthCheckResult.Unhealthy("warming up or shutting down"));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var silent = TimeSpan.Zero;
        foreach (var partition in partitions.All)
        {
            if (!partition.Membership.Ready) return Leaving;
            silent = partition.Membership.SinceRedisAnswered > silent ? partition.Membership.SinceRedisAnswered : silent;
        }

        return silent <= 3 * options.Value.HeartbeatInterval
            ? Ready
            : Task.FromResult(HealthCheckResult.Unhealthy(silent == TimeSpan.MaxValue
                ? "Redis has not answered this replica yet"
                : $"Redis has not answered this replica's heartbeat for {silent.TotalSeconds:F1} s"));
    }
}

public static class HealthServices
{
    public const string Liveness = "liveness";

    /// <summary>gRPC health: "" and "allocation.AllocationService" report readiness; "liveness" only that the process answers.</summary>
    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddGrpcHealthChecks(o =>
            {
                o.Services.Map("", r => r.Tags.Contains("ready"));
                o.Services.Map("allocation.AllocationService", r => r.Tags.Contains("ready"));
                o.Services.Map(Liveness, r => r.Tags.Contains("live"));
            })
            .AddCheck<ReadinessCheck>("ready", tags: ["ready"])
            .AddCheck("live", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return services;
    }

    /// <summary>
    /// gRPC health on the main port; for HTTP probes <c>/healthz</c> (live) and <c>/readyz</c>
    /// (ready), and Agones' allocator's <c>/live</c> and <c>/ready</c>.
    /// </summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = r => r.Tags.Contains("ready") });
        AgonesProbes.Map(app);
        return app;
    }
}
