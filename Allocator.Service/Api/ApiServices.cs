namespace Allocator.Service.Api;

public static class ApiServices
{
    public static IServiceCollection AddApi(this IServiceCollection services)
    {
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 1024 * 1024;
            grpc.EnableDetailedErrors = false;
        });
        return services;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        app.MapGrpcService<AllocationApi>();
        app.MapGrpcService<InventoryApi>();
        return app;
    }
}
