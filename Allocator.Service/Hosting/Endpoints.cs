using System.Net;
using Allocator.Service.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Allocator.Service.Hosting;

/// <summary>
/// The two ports. <see cref="HostingOptions.Port"/> serves gRPC, REST and the Kubernetes API: over
/// TLS all (HTTP/2 and HTTP/1.1 by ALPN), optionally requiring client certificates; in plaintext
/// HTTP/2 only (h2c), since cleartext cannot negotiate. <see cref="HostingOptions.OpsPort"/>
/// is plain HTTP/1.1 for probes and scrapes, and REST and the Kubernetes API too when plaintext.
/// With the Kubernetes API on, the handshake also accepts the API server's front-proxy
/// certificate (a CA of its own); which certificate may call which surface is checked per
/// request (<see cref="CallerCertificateCheck"/>, <see cref="KubernetesApi.FrontProxyCheck"/>).
/// </summary>
public static class Endpoints
{
    /// <param name="frontProxy">Set when the Kubernetes API is served.</param>
    public static void Configure(KestrelServerOptions kestrel, HostingOptions options, TransportOptions transport,
        ClientCertificateAuthorities clients, FrontProxyAuthority? frontProxy, TimeProvider time)
    {
        var certificates = transport.Plaintext ? null : new CertificateFiles(transport.Tls.CertificateFile, transport.Tls.KeyFile, time);
        certificates?.Load();
        if (certificates is not null) clients.Load();
        kestrel.Limits.MaxRequestBodySize = Api.Limits.MaxMessageBytes;

        Listen(kestrel, options.ListenAddress, options.Port, listen =>
        {
            if (certificates is null)
            {
                listen.Protocols = HttpProtocols.Http2;
                return;
            }

            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificateSelector = (_, _) => certificates.Certificate,
                // Without client CAs, gRPC callers need no certificate, but the front proxy presents one.
                ClientCertificateMode = clients.Required ? ClientCertificateMode.RequireCertificate
                    : frontProxy is not null ? ClientCertificateMode.AllowCertificate
                    : ClientCertificateMode.NoCertificate,
                ClientCertificateValidation = (client, chain, _) => clients.Trust(client, chain) || frontProxy?.Trust(client, chain) == true,
            });
        });

        if (options.OpsPort > 0) Listen(kestrel, options.ListenAddress, options.OpsPort, listen => listen.Protocols = HttpProtocols.Http1);
    }

    /// <summary>Paths the ops port answers; everything else there is 404 (REST and the Kubernetes API too, unless plaintext).</summary>
    public static bool ServedOnOpsPort(PathString path, bool plaintext) =>
        path == "/healthz" || path == "/readyz" || path == AgonesProbes.Live || path == AgonesProbes.Ready || path == "/metrics"
        || (plaintext && (path.StartsWithSegments("/gameserverallocation") || KubernetesApi.AllocationResource.Serves(path)));

    private static void Listen(KestrelServerOptions kestrel, string address, int port, Action<ListenOptions> configure)
    {
        if (address == "*") kestrel.ListenAnyIP(port, configure);
        else kestrel.Listen(IPAddress.Parse(address), port, configure);
    }
}

public static class OpsPortFilter
{
    /// <summary>The ops port is unauthenticated: it answers probes and scrapes, nothing else (REST and the Kubernetes API only when plaintext).</summary>
    public static WebApplication UseOpsPortFilter(this WebApplication app, HostingOptions options, TransportOptions transport)
    {
        app.Use((context, next) =>
        {
            if (options.OpsPort > 0 && context.Connection.LocalPort == options.OpsPort && !Endpoints.ServedOnOpsPort(context.Request.Path, transport.Plaintext))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }
}
