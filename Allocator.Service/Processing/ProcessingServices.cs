using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Allocator.Service.Processing;

public static class ProcessingServices
{
    /// <summary>
    /// The leader's settings. Each partition adds the candidate/leader loop and what a term needs
    /// (<see cref="AddPartitionProcessing"/>); an <see cref="IInventorySource"/> must be registered
    /// by the folder that implements it.
    /// </summary>
    public static IServiceCollection AddProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<ProcessingOptions, ProcessingOptionsValidator>(configuration);
        return services;
    }

    /// <summary>A partition's candidate/leader loop and follower.</summary>
    public static IServiceCollection AddPartitionProcessing(this IServiceCollection services)
    {
        services.TryAddSingleton<BatchCommitter>();
        services.TryAddSingleton<TermChores>();
        services.TryAddSingleton<BatchLoop>();
        services.TryAddSingleton<LeaderTerm>();
        services.TryAddSingleton<FleetFollower>();
        services.AddHostedService<FleetFollowing>();
        services.AddHostedService<LeaderWarmup>();
        services.AddHostedService<LeaderService>();
        return services;
    }
}
