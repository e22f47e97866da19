using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Allocator.Service.Hosting;

/// <summary>
/// <c>/live</c> and <c>/ready</c> as Agones' allocator serves them on its port 8080 (the
/// heptiolabs/healthcheck handler): GET only, 200 or 503 with the body <c>{}</c>, and with
/// <c>?full=1</c> each check's name and "OK" or its error. <c>/ready</c> runs the liveness
/// checks too, as there.
/// </summary>
public static class AgonesProbes
{
    public const string Live = "/live";
    public const string Ready = "/ready";

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks(Live, Options(r => r.Tags.Contains("live"))).WithMetadata(new HttpMethodMetadata(["GET"]));
        app.MapHealthChecks(Ready, Options(r => r.Tags.Contains("ready") || r.Tags.Contains("live"))).WithMetadata(new HttpMethodMetadata(["GET"]));
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteAsync,
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        if (context.Request.Query["full"] != "1") return context.Response.WriteAsync("{}\n");
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "OK" : e.Value.Description ?? e.Value.Status.ToString());
        return context.Response.WriteAsync(JsonSerializer.Serialize(checks, Indented) + "\n");
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
