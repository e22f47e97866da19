using System.Text.Json;
using Allocator.Service.Api;
using Allocator.Service.Queue;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// <c>POST /apis/allocation.agones.dev/v1/namespaces/{ns}/gameserverallocations</c>: the
/// GameServerAllocation becomes the AllocationRequest it means and is served by
/// <see cref="AllocationApi"/> itself (validation, queue, leader, idempotency). Answers as Agones'
/// API extension: 201 with the object and its status (Allocated, or UnAllocated when nothing
/// matches), else a Status: 400 undecodable, 403 not authorised, 422 invalid (a cause naming the
/// field), 429 overloaded, 503 no leader or Redis away, 504 deadline passed.
/// </summary>
public sealed class AllocationEndpoint(
    AccessReview review,
    IOptions<KubernetesApiOptions> options,
    TimeProvider time,
    ILogger<AllocationEndpoint> log)
{
    private readonly ObjectFactory<AllocationApi> _api = ActivatorUtilities.CreateFactory<AllocationApi>([]);

    public async Task HandleAsync(HttpContext context, string ns)
    {
        var user = context.Items[ApiUser.ItemKey] as ApiUser;
        var (status, body) = await AnswerAsync(context, ns, user);
        if (log.IsEnabled(LogLevel.Debug)) KubernetesApiLog.Answered(log, context.Request.Method, context.Request.Path, user?.Name ?? "", status);
        await KubernetesResponse.WriteAsync(context, status, body);
    }

    private async Task<(int Status, object Body)> AnswerAsync(HttpContext context, string ns, ApiUser? user)
    {
        if (user is null) return Refused(KubernetesStatus.Unauthorized("no user in the front proxy's user header: this API is reached through the Kubernetes API server"));
        if (MediaTypes.Negotiate(context.Request, Representation.Json) is null) return Refused(KubernetesStatus.NotAcceptable(MediaTypes.Json));
        if (context.Request.Query.ContainsKey("dryRun")) return Refused(KubernetesStatus.BadRequest("dryRun is not supported: a GameServerAllocation is an allocation"));
        if (!RequestTimeout.TryDeadline(context.Request.Query["timeout"], time.GetUtcNow().UtcDateTime, out var deadline))
        {
            return Refused(KubernetesStatus.BadRequest($"timeout: \"{context.Request.Query["timeout"]}\" is not a duration such as 30s"));
        }

        if (options.Value.Authorize)
        {
            try
            {
                if (!await review.AllowedAsync(user, ns, context.RequestAborted)) return Refused(KubernetesStatus.Forbidden(user.Name, ns));
            }
            catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
            {
                KubernetesApiLog.ReviewFailed(log, e.Message);
                return Refused(new KubernetesStatus("the authorisation of this request could not be checked (SubjectAccessReview failed); retry", "ServiceUnavailable", 503));
            }
        }

        if (!IsJson(context.Request.ContentType)) return Refused(KubernetesStatus.UnsupportedMediaType(context.Request.ContentType));
        var (allocation, problem) = await ReadAsync(context.Request);
        if (problem is not null) return Refused(problem);
        var metadata = allocation!.Metadata;
        if (metadata.Namespace is { Length: > 0 } given && given != ns)
        {
            return Refused(KubernetesStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
        }

        var causes = new List<StatusCause>();
        if (metadata.Name is { Length: > 0 } name && !Names.IsDnsSubdomain(name))
        {
            causes.Add(StatusCause.Invalid("metadata.name", $"\"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'"));
        }

        var request = RequestConversion.ToRequest(allocation.Spec, ns, causes);
        if (causes.Count > 0) return Refused(KubernetesStatus.Invalid(metadata.Name ?? "", causes));

        var call = new HttpCall(context, IdempotencyKey.For(ns, metadata), deadline);
        try
        {
            var response = await _api(context.RequestServices, []).Allocate(request, call);
            return (StatusCodes.Status201Created, Created(allocation, ns, StatusConversion.FromResponse(response), response.GameServerName));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            return (StatusCodes.Status201Created, Created(allocation, ns, StatusConversion.NothingMatched(), null));
        }
        catch (RpcException e)
        {
            return Refused(CallStatus.From(e.Status, metadata.Name ?? ""));
        }
    }

    /// <summary>The object as created: Agones names an allocated one after its game server, and stamps it.</summary>
    private GameServerAllocation Created(GameServerAllocation allocation, string ns, GameServerAllocationStatus status, string? gameServerName)
    {
        allocation.ApiVersion = AllocationResource.GroupVersion;
        allocation.Kind = AllocationResource.Kind;
        allocation.Metadata.Namespace = ns;
        if (gameServerName is not null) allocation.Metadata.Name = gameServerName;
        allocation.Metadata.CreationTimestamp = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        allocation.Spec.Scheduling = string.IsNullOrEmpty(allocation.Spec.Scheduling) ? "Packed" : allocation.Spec.Scheduling;
        allocation.Status = status;
        return allocation;
    }

    private static async Task<(GameServerAllocation? Allocation, KubernetesStatus? Problem)> ReadAsync(HttpRequest request)
    {
        try
        {
            var allocation = await JsonSerializer.DeserializeAsync<GameServerAllocation>(request.Body, KubernetesResponse.Json, request.HttpContext.RequestAborted);
            if (allocation is null) return (null, KubernetesStatus.BadRequest("the request body must be a GameServerAllocation object"));
            if (allocation.ApiVersion is { Length: > 0 } version && version != AllocationResource.GroupVersion || allocation.Kind is { Length: > 0 } kind && kind != AllocationResource.Kind)
            {
                return (null, KubernetesStatus.BadRequest($"the body is a {allocation.Kind} of {allocation.ApiVersion}, not a {AllocationResource.Kind} of {AllocationResource.GroupVersion}"));
            }

            allocation.Metadata ??= new ObjectMeta();
            allocation.Spec ??= new GameServerAllocationSpec();
            return (allocation, null);
        }
        catch (JsonException e)
        {
            var at = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : e.Path.TrimStart('$', '.') + ": ";
            return (null, KubernetesStatus.BadRequest($"the request body could not be decoded: {at}{e.Message.Split(" Path:", 2)[0]}"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, new KubernetesStatus($"the request body is over the limit of {Limits.MaxMessageBytes:N0} bytes", "RequestEntityTooLarge", 413));
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals(MediaTypes.Json, StringComparison.OrdinalIgnoreCase);

    private static (int, object) Refused(KubernetesStatus status) => (status.Code, status);
}
