using Allocator.Service.Processing;

namespace Allocator.Service.Inventory;

public static class InventoryServices
{
    /// <summary>Inventory settings; and the stand-alone source, unless <c>Inventory:Source</c> names another.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<InventoryOptions, InventoryOptionsValidator>(configuration, InventoryOptions.Section);
        var settings = configuration.GetSection($"{SettingsRegistration.Section}:{InventoryOptions.Section}").Get<InventoryOptions>() ?? new InventoryOptions();
        if (!settings.IsKubernetes) services.AddSingleton<IInventorySource, StandaloneInventory>();
        return services;
    }
}
