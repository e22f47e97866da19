using Allocator.Service.Agones;
using Allocator.Service.Security;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

public static class KubernetesApiServices
{
    /// <summary>The aggregated API <c>allocation.agones.dev/v1</c>, when <c>KubernetesApi:Enabled</c>.</summary>
    public static IServiceCollection AddKubernetesApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<KubernetesApiOptions, KubernetesApiOptionsValidator>(configuration, KubernetesApiOptions.Section);
        if (!configuration.GetValue<bool>($"{SettingsRegistration.Section}:{KubernetesApiOptions.Section}:Enabled")) return services;
        // Its own client of the API server, from the same settings as Kubernetes mode's (also in stand-alone mode).
        services.AddSettings<KubernetesOptions>(configuration, KubernetesOptions.Section);
        services.AddSingleton<FrontProxyAuthority>();
        services.AddSingleton<ApiServerClient>();
        services.AddSingleton<AccessReview>();
        services.AddSingleton<AllocationEndpoint>();
        if (!configuration.GetValue<bool>($"{SettingsRegistration.Section}:Plaintext")) services.AddHostedService<RequestHeaderSource>();
        return services;
    }

    /// <summary>Discovery, OpenAPI and the resource; every path behind the front-proxy check.</summary>
    public static WebApplication MapKubernetesApi(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<KubernetesApiOptions>>().Value.Enabled) return app;
        app.UseWhen(c => AllocationResource.Serves(c.Request.Path), branch => branch.UseMiddleware<FrontProxyCheck>());
        app.UseMiddleware<CallerCertificateCheck>((Func<PathString, bool>)AllocationResource.Serves);

        const string version = $"/apis/{AllocationResource.GroupVersion}";
        app.MapGet("/apis", c => DiscoverAsync(c, r => r switch
        {
            Representation.DiscoveryV2 => Discovery.AggregatedList("v2"),
            Representation.DiscoveryV2Beta1 => Discovery.AggregatedList("v2beta1"),
            _ => Discovery.GroupList(),
        }, Representation.DiscoveryV2, Representation.DiscoveryV2Beta1, Representation.Json));
        app.MapGet($"/apis/{AllocationResource.Group}", c => DiscoverAsync(c, _ => Discovery.ApiGroup(), Representation.Json));
        app.MapGet(version, c => DiscoverAsync(c, _ => Discovery.ResourceList(), Representation.Json));
        app.MapGet("/openapi/v2", c => DiscoverAsync(c, _ => Discovery.OpenApiV2(), Representation.Json));
        app.MapGet("/openapi/v3", c => DiscoverAsync(c, _ => Discovery.OpenApiV3(), Representation.Json));

        var endpoint = app.Services.GetRequiredService<AllocationEndpoint>();
        app.Map($"{version}/namespaces/{{ns}}/{AllocationResource.Plural}", c => HttpMethods.IsPost(c.Request.Method)
            ? endpoint.HandleAsync(c, (string)c.GetRouteValue("ns")!)
            : KubernetesResponse.WriteAsync(c, StatusCodes.Status405MethodNotAllowed, KubernetesStatus.MethodNotAllowed()));
        app.Map("/apis/{**rest}", c => KubernetesResponse.WriteAsync(c, StatusCodes.Status404NotFound, KubernetesStatus.NotFound()));
        return app;
    }

    private static Task DiscoverAsync(HttpContext context, Func<Representation, object> document, params Representation[] offered)
    {
        context.Response.Headers.Vary = "Accept";
        return MediaTypes.Negotiate(context.Request, offered) is { } chosen
            ? KubernetesResponse.WriteAsync(context, StatusCodes.Status200OK, document(chosen), chosen)
            : KubernetesResponse.WriteAsync(context, StatusCodes.Status406NotAcceptable,
                KubernetesStatus.NotAcceptable(string.Join(", ", offered.Select(MediaTypes.ContentType))));
    }
}
