using Grpc.AspNetCore.Server.Model;

namespace Allocator.Service.Api;

public static class ApiServices
{
    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ApiOptions, ApiOptionsValidator>(configuration);
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = Limits.MaxMessageBytes;
            grpc.EnableDetailedErrors = false;
        }).AddJsonTranscoding(json =>
        {
            // Agones' gateway writes protojson with every field (EmitUnpopulated) and 64-bit
            // integers as strings; the field names are the proto's own, camelCase.
            json.JsonSettings.IgnoreDefaultValues = false;
            json.JsonSettings.WriteInt64sAsStrings = true;
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
        app.UseMiddleware<RestBodyCheck>();
        app.UseMiddleware<GrpcMessageSizeCheck>();
        app.MapGrpcService<AllocationApi>();
        app.MapGrpcService<InventoryApi>();
        if (options.Reflection) app.MapGrpcReflectionService();
        return app;
    }
}
