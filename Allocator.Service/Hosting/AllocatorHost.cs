using Allocator.Service.Api;
using Allocator.Service.Leadership;
using Allocator.Service.Processing;
using Allocator.Service.Queue;
using Allocator.Service.Storage;
using Allocator.Service.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Hosting;

/// <summary>Builds one replica: every replica runs the same roles (front, candidate/leader).</summary>
public static class AllocatorHost
{
    public static WebApplication Build(string[] args)
    {
        // appsettings.json ships beside the binary: find it whatever the working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Never a log line per request at the default level: at thousands of calls a second the
        // console logger alone would cost a tenth of a replica's CPU.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("RedLockNet", LogLevel.Warning);

        builder.Services.AddOptions<AllocatorOptions>()
            .Bind(builder.Configuration.GetSection(AllocatorOptions.Section))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.ReplicaId)) o.ReplicaId = $"{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AllocatorOptions>, AllocatorOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<AllocatorOptions>, TimeProvider>(
            (kestrel, allocator, time) => Endpoints.Configure(kestrel, allocator.Value, time));
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<AllocatorOptions>>(
            (host, allocator) => host.ShutdownTimeout = allocator.Value.ShutdownTimeout);

        builder.Services.AddHostedService<DrainDelay>();
        builder.Services
            .AddStorage()
            .AddQueue()
            .AddLeadership()
            .AddProcessing()
            .AddApi()
            .AddHealth()
            .AddTelemetry(builder.Configuration);

        var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<AllocatorOptions>>().Value;
        app.UseOpsPortFilter(options);
        app.MapApi(options);
        app.MapHealth();
        app.MapTelemetry();
        return app;
    }
}

/// <summary>Reports every invalid setting at start, each naming what to change.</summary>
internal sealed class AllocatorOptionsValidator : IValidateOptions<AllocatorOptions>
{
    public ValidateOptionsResult Validate(string? name, AllocatorOptions options)
    {
        var problems = options.Problems().ToList();
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems);
    }
}
