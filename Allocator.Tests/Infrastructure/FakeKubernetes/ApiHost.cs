using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Kestrel on 127.0.0.1, a free port, plain HTTP/1.1 (the client's HTTP/2 request falls back to it, as
/// it does against any cleartext server), with the API server's paths for GameServers, Pods, Events,
/// GameServerAllocationPolicies, Secrets, ConfigMaps and SubjectAccessReviews. Any
/// other path is a 404 Status.
/// </summary>
internal sealed class ApiHost(WebApplication app, CancellationTokenSource stopping, AccessReviewEndpoint reviews) : IAsyncDisposable
{
    public AccessReviewEndpoint Reviews { get; } = reviews;

    public string Url { get; } = app.Services.GetRequiredService<IServer>().Features
        .Get<IServerAddressesFeature>()!.Addresses.Single();

    public static async Task<ApiHost> StartAsync(ResourceStore store, ApiCounters counters, ApiSettings settings, TimeProvider time)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1));
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();

        app.Use(async (context, next) =>
        {
            settings.BeforeRequest?.Invoke(context.Request.Method, context.Request.Path.Value ?? "");
            if (!HttpMethods.IsGet(context.Request.Method) && settings.TryThrottle(out var retryAfter))
            {
                counters.OnReply(context.Request.Method, context.Request.Path, context.Request.ContentType ?? "", "", 429);
                context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Responder.WriteAsync(context, 429, ApiStatus.TooManyRequests(retryAfter));
                return;
            }
            await next(context);
        });

        var stopping = new CancellationTokenSource();
        var responder = new Responder(counters);
        var watches = new WatchStreamer(store, settings, time, stopping.Token);
        MapResource(app, ResourceType.GameServers, "/apis/agones.dev/v1", store, responder, watches, counters);
        MapResource(app, ResourceType.Pods, "/api/v1", store, responder, watches, counters);
        MapResource(app, ResourceType.Events, "/api/v1", store, responder, watches, counters);
        MapResource(app, ResourceType.AllocationPolicies, "/apis/multicluster.agones.dev/v1", store, responder, watches, counters);
        MapResource(app, ResourceType.Secrets, "/api/v1", store, responder, watches, counters);
        MapResource(app, ResourceType.ConfigMaps, "/api/v1", store, responder, watches, counters);
        var reviews = new AccessReviewEndpoint(settings, responder);
        app.Map(AccessReviewEndpoint.Path, reviews.HandleAsync);
        app.Map("{**path}", context => responder.RespondAsync(context, _ => throw ApiStatus.UnknownPath()));

        await app.StartAsync();
        return new ApiHost(app, stopping, reviews);
    }

    /// <summary>Ends every watch cleanly, then stops Kestrel.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private static void MapResource(WebApplication app, ResourceType type, string root, ResourceStore store,
        Responder responder, WatchStreamer watches, ApiCounters counters)
    {
        var collection = new CollectionEndpoint(type, store, responder, watches, counters);
        var item = new ItemEndpoint(type, store, responder);
        var plural = type.Plural;
        app.Map($"{root}/{plural}", context => collection.HandleAsync(context, ns: null));
        app.Map($"{root}/namespaces/{{ns}}/{plural}", context => collection.HandleAsync(context, Route(context, "ns")));
        app.Map($"{root}/namespaces/{{ns}}/{plural}/{{name}}", context =>
            item.HandleAsync(context, Route(context, "ns"), Route(context, "name"), statusOnly: false));
        // Without a status subresource the path does not exist: the catch-all answers 404.
        if (!type.StatusSubresource) return;
        app.Map($"{root}/namespaces/{{ns}}/{plural}/{{name}}/status", context =>
            item.HandleAsync(context, Route(context, "ns"), Route(context, "name"), statusOnly: true));
    }

    private static string Route(HttpContext context, string name) => (string)context.GetRouteValue(name)!;
}
