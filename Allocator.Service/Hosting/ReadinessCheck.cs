using Allocator.Service.Leadership;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Allocator.Service.Hosting;

/// <summary>
/// Ready: warmed up, not shutting down, and Redis answers. Kubernetes probes it through the
/// gRPC health service (service "" or "allocation.AllocationService"); on SIGTERM it turns
/// NOT_SERVING before anything else stops, so traffic moves away while calls drain.
/// </summary>
public sealed class ReadinessCheck(Membership membership, IConnectionMultiplexer redis, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!membership.Ready) return HealthCheckResult.Unhealthy("warming up or shutting down");
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromMilliseconds(500), time, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis unreachable: " + Storage.RedisFailure.Short(e));
        }
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
