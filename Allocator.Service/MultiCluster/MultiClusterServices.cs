using Allocator.Service.Agones;
using Allocator.Service.Inventory;
using Microsoft.Extensions.Options;

namespace Allocator.Service.MultiCluster;

public static class MultiClusterServices
{
    /// <summary>
    /// Multi-cluster allocation when <c>MultiCluster:Enabled</c>: policies from the file, or watched
    /// in Kubernetes mode; client certificates from the secret directory, or from Secrets.
    /// </summary>
    public static IServiceCollection AddMultiCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<MultiClusterOptions, MultiClusterOptionsValidator>(configuration, MultiClusterOptions.Section);
        var settings = configuration.GetSection($"{SettingsRegistration.Section}:{MultiClusterOptions.Section}").Get<MultiClusterOptions>() ?? new MultiClusterOptions();
        if (!settings.Enabled)
        {
            services.AddSingleton<IMultiClusterAllocation, MultiClusterOff>();
            return services;
        }

        var kubernetes = configuration[$"{SettingsRegistration.Section}:Inventory:Source"] == "kubernetes";
        services.AddSingleton<ClusterChannels>();
        services.AddSingleton<LocalCluster>();
        services.AddSingleton<RemoteCluster>();
        services.AddSingleton<IMultiClusterAllocation>(sp => ActivatorUtilities.CreateInstance<MultiClusterAllocation>(sp, Random.Shared));
        if (kubernetes && (settings.PolicyFile.Length == 0 || settings.SecretDirectory.Length == 0))
        {
            // Its own clients: a watch that stalls never holds up the leader's GameServer watch or write-back.
            services.AddSingleton(sp => KubernetesClients.Create(sp.GetRequiredService<IOptions<KubernetesOptions>>().Value));
        }

        if (settings.PolicyFile.Length > 0)
        {
            services.AddSingleton<IPolicyCatalog>(sp => ActivatorUtilities.CreateInstance<PolicyFile>(sp, settings.PolicyFile));
        }
        else if (kubernetes)
        {
            services.AddSingleton(sp =>
            {
                var k8s = sp.GetRequiredService<IOptions<KubernetesOptions>>().Value;
                return ActivatorUtilities.CreateInstance<PolicyWatch>(sp, sp.GetRequiredService<KubernetesClients>().Watches, k8s.Scopes(),
                    new WatchLimits(k8s.WatchTimeout, k8s.WatchIdleTimeout));
            });
            services.AddSingleton<IPolicyCatalog>(sp => sp.GetRequiredService<PolicyWatch>());
            services.AddHostedService(sp => sp.GetRequiredService<PolicyWatch>());
        }

        if (settings.SecretDirectory.Length > 0)
        {
            services.AddSingleton<IClientCredentialSource>(new SecretDirectory(settings.SecretDirectory));
        }
        else if (kubernetes)
        {
            services.AddSingleton<IClientCredentialSource>(sp => ActivatorUtilities.CreateInstance<KubernetesSecrets>(sp, sp.GetRequiredService<KubernetesClients>().Writes));
        }

        return services;
    }
}
