namespace Allocator.Service.Security;

public static class SecurityServices
{
    /// <summary>TLS of the main port and the inventory API's token.</summary>
    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<TransportOptions, TransportOptionsValidator>(configuration);
        services.AddSingleton<InventoryAccess>();
        return services;
    }
}
