using Grpc.Core;

namespace Allocator.Service.Security;

/// <summary>
/// With the aggregated Kubernetes API on, the TLS handshake accepts two kinds of client
/// certificate: a caller's (the client CAs) and the Kubernetes API server's front proxy (the
/// request-header CA). Each is good for its own surface only: this keeps a front-proxy
/// certificate off gRPC and REST when client CAs are required there (the Kubernetes API's own
/// check keeps callers' certificates off it). The verdict is taken once per connection.
/// </summary>
public sealed class CallerCertificateCheck(RequestDelegate next, ClientCertificateAuthorities clients, Func<PathString, bool> kubernetesApi)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!clients.Required || kubernetesApi(context.Request.Path)) return next(context);
        var certificate = context.Connection.ClientCertificate;
        if (certificate is null || clients.TrustsConnection(certificate)) return next(context);

        const string message = "the client certificate is not from a client CA (Allocator:Tls:ClientCa*): a front-proxy certificate is good for the Kubernetes API only";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Trailers-only: the status travels in the response headers.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString();
            context.Response.Headers["grpc-message"] = message;
            return Task.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return context.Response.WriteAsJsonAsync(new { code = (int)StatusCode.Unauthenticated, message });
    }
}
