using Allocator.Service.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Queue;

public static class QueueServices
{
    public static IServiceCollection AddQueue(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AllocatorOptions>>().Value;
            return new ReplicaIdentity(options.ReplicaId, options.Version);
        });
        services.TryAddSingleton<ReplyRouter>();
        services.TryAddSingleton<WakeSignal>();
        services.TryAddSingleton<RequestSubmitter>();
        services.AddHostedService<ReplySubscription>();
        return services;
    }
}

/// <summary>Subscribes to this replica's reply channel before the endpoint takes calls.</summary>
internal sealed class ReplySubscription(ReplyRouter replies) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => replies.StartAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
