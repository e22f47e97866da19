using Allocator.Service.Processing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Allocator.Service.Inventory;

public static class InventoryServices
{
    /// <summary>Inventory settings.</summary>
    public static IServiceCollection AddInventory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<InventoryOptions, InventoryOptionsValidator>(configuration, InventoryOptions.Section);
        return services;
    }

    /// <summary>A partition's inventory source: stand-alone unless <c>Inventory:Source</c> names another.</summary>
    public static IServiceCollection AddPartitionInventory(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection($"{SettingsRegistration.Section}:{InventoryOptions.Section}").Get<InventoryOptions>() ?? new InventoryOptions();
        services.TryAddSingleton(SeedScope.Everything);
        if (!settings.IsKubernetes) services.AddSingleton<IInventorySource, StandaloneInventory>();
        return services;
    }
}
