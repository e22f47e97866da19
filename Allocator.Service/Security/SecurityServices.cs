namespace Allocator.Service.Security;

public static class SecurityServices
{
    /// <summary>TLS of the main port and the inventory API's token.</summary>
    public static IServiceCollection AddSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<TransportOptions, TransportOptionsValidator>(configuration);
        services.AddSingleton<InventoryAccess>();
        services.AddSingleton(sp =>
        {
            var tls = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TransportOptions>>().Value.Tls;
            return new ClientCertificateAuthorities(tls.ClientCaFile, tls.ClientCaDirectory, sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
