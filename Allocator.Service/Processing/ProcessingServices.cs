using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Allocator.Service.Processing;

public static class ProcessingServices
{
    /// <summary>The candidate/leader loop and what a term needs.</summary>
    public static IServiceCollection AddProcessing(this IServiceCollection services)
    {
        services.TryAddSingleton<BatchCommitter>();
        services.TryAddSingleton<LeaderTerm>();
        services.TryAddSingleton<Agones.KubernetesMode>();
        services.TryAddSingleton<FleetFollower>();
        services.AddHostedService<FleetFollowing>();
        services.AddHostedService<LeaderWarmup>();
        services.AddHostedService<LeaderService>();
        return services;
    }
}
