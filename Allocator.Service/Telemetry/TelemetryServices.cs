using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Allocator.Service.Telemetry;

public static class TelemetryServices
{
    // Every bucket of Agones' allocation histogram (10 ms .. 3 s), so its alerts find their le,
    // with finer ones below 10 ms, where we answer.
    private static readonly double[] DurationBuckets = [0.001, 0.002, 0.005, 0.0075, 0.01, 0.02, 0.025, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 1.5, 2, 3];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
    private static readonly double[] GapBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];

    /// <summary>
    /// Prometheus metrics on the ops port. Spans only when an OTLP endpoint is set: made but
    /// never exported they cost the fronts CPU on every call (measured with scripts/bench.sh);
    /// without them the caller's own trace parent still rides in the stream.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<OtlpOptions, OtlpOptionsValidator>(configuration, "Otlp");
        services.AddSettings<MetricsOptions>(configuration, MetricsOptions.Section);
        services.AddSingleton<AllocatorMetrics>();
        var otlp = configuration.GetSection($"{SettingsRegistration.Section}:Otlp").Get<OtlpOptions>()?.Endpoint;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("allocator", serviceVersion: configuration[$"{SettingsRegistration.Section}:Version"]))
            .WithMetrics(m => m
                .AddMeter(AllocatorMetrics.MeterName)
                .AddView(AgonesMetricNames.AllocationDuration, new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets })
                .AddView("allocator.batch.size", new ExplicitBucketHistogramConfiguration { Boundaries = BatchBuckets })
                .AddView("allocator.failover.gap", new ExplicitBucketHistogramConfiguration { Boundaries = GapBuckets })
                .AddView("allocator.writeback.lag", new ExplicitBucketHistogramConfiguration { Boundaries = DurationBuckets })
                .AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrEmpty(otlp))
        {
            // ASP.NET Core's span carries the caller's traceparent; ours hang below it.
            services.AddOpenTelemetry().WithTracing(t => t
                .AddSource(AllocatorTracing.SourceName)
                .AddAspNetCoreInstrumentation(a => a.Filter = c => c.Request.Path != "/metrics")
                .AddOtlpExporter(o => o.Endpoint = new Uri(otlp)));
        }

        return services;
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
