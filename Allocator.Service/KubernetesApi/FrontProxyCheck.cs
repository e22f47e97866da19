using Allocator.Service.Security;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// Authentication as an aggregated API server: every request on this API's paths must come
/// through the Kubernetes API server, i.e. on a connection whose client certificate the
/// request-header CA signed for an allowed name; the user and groups are then taken from the
/// headers that CA vouches for. Anything else is a 401 Status before the request is read. In
/// plaintext mode (no certificates at all) the caller is <see cref="ApiUser.Anonymous"/>.
/// The user found is left in <c>HttpContext.Items</c> for the endpoint.
/// </summary>
public sealed class FrontProxyCheck(RequestDelegate next, FrontProxyAuthority authority, IOptions<TransportOptions> transport)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var (user, refusal) = transport.Value.Plaintext ? (ApiUser.Anonymous, null) : Authenticate(context);
        if (refusal is not null)
        {
            await KubernetesResponse.WriteAsync(context, refusal.Code, refusal);
            return;
        }

        context.Items[ApiUser.ItemKey] = user;
        await next(context);
    }

    private (ApiUser? User, KubernetesStatus? Refusal) Authenticate(HttpContext context)
    {
        var certificate = context.Connection.ClientCertificate;
        if (certificate is null) return (null, KubernetesStatus.Unauthorized("this API is served through the Kubernetes API server: a front-proxy client certificate is required"));
        if (authority.Current is not { } settings) return (null, KubernetesStatus.Unauthorized("the request-header CA has not been read yet: no front-proxy certificate can be checked"));
        if (!authority.TrustsConnection(certificate)) return (null, KubernetesStatus.Unauthorized("the client certificate is not signed by the request-header CA"));
        if (!authority.Allowed(certificate))
        {
            return (null, KubernetesStatus.Unauthorized($"the client certificate's common name \"{certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false)}\" is not an allowed front-proxy name"));
        }

        var name = settings.UsernameHeaders.Select(h => context.Request.Headers[h].FirstOrDefault(v => !string.IsNullOrEmpty(v))).FirstOrDefault(v => v is not null);
        var groups = settings.GroupHeaders.SelectMany(h => context.Request.Headers[h]).Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        // Discovery carries no user when the aggregator checks availability: a trusted proxy is enough for it.
        return (name is null ? null : new ApiUser(name, groups), null);
    }
}
