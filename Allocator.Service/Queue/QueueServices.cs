using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Queue;

public static class QueueServices
{
    /// <summary>The queue's settings (each partition adds its own queue: <see cref="AddPartitionQueue"/>).</summary>
    public static IServiceCollection AddQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<QueueOptions, QueueOptionsValidator>(configuration);
        return services;
    }

    /// <summary>A partition's queue: its stream, its reply and wake channels, and the front's submitter.</summary>
    public static IServiceCollection AddPartitionQueue(this IServiceCollection services)
    {
        services.TryAddSingleton(new AnswerHolding(false));
        services.TryAddSingleton<ReplyRouter>();
        services.TryAddSingleton<WakeSignal>();
        services.TryAddSingleton<EnqueueBatcher>();
        services.TryAddSingleton<RequestSubmitter>();
        services.TryAddSingleton<ILocalAllocation, QueuedAllocation>();
        services.AddHostedService<ReplySubscription>();
        return services;
    }
}

/// <summary>
/// Subscribes to this replica's reply channel before the endpoint takes calls, and to the
/// wake channel, so that a replica that becomes leader has nothing left to set up.
/// </summary>
internal sealed class ReplySubscription(ReplyRouter replies, WakeSignal wake, RequestSubmitter submitter) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        submitter.WatchReconnects();
        await replies.StartAsync();
        await wake.StartAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
