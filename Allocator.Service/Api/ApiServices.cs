using Grpc.AspNetCore.Server.Model;

namespace Allocator.Service.Api;

public static class ApiServices
{
    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ApiOptions>(configuration);
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = Limits.MaxMessageBytes;
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding(json =>
        {
            // Agones' REST API speaks proto-JSON with camelCase names.
            json.JsonSettings.IgnoreDefaultValues = true;
        });
        services.AddGrpcReflection();
        // grpc-dotnet's own binder answers malformed messages with UNKNOWN and an error log each.
        foreach (var binder in services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true).ToList())
        {
            services.Remove(binder);
        }

        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(StrictMessageBinding<>));
        return services;
    }

    /// <summary>gRPC, and REST from the proto's google.api.http options (POST /gameserverallocation).</summary>
    public static WebApplication MapApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value;
        app.MapGrpcService<AllocationApi>();
        app.MapGrpcService<InventoryApi>();
        if (options.Reflection) app.MapGrpcReflectionService();
        return app;
    }
}
