using Allocator.Service.Hosting;

namespace Allocator.Service.Api;

public static class ApiServices
{
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
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
        services.AddSingleton<Security.InventoryAccess>();
        return services;
    }

    /// <summary>gRPC, and REST from the proto's google.api.http options (POST /gameserverallocation).</summary>
    public static WebApplication MapApi(this WebApplication app, AllocatorOptions options)
    {
        app.MapGrpcService<AllocationApi>();
        app.MapGrpcService<InventoryApi>();
        if (options.Reflection) app.MapGrpcReflectionService();
        return app;
    }
}
