using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// <c>POST /apis/authorization.k8s.io/v1/subjectaccessreviews</c> as the API server answers it: the
/// review back with <c>status.allowed</c> (and <c>denied</c>, a reason) filled by the test's
/// <see cref="ApiSettings.AccessRule"/>. Nothing is stored; every review asked is kept for assertions.
/// </summary>
internal sealed class AccessReviewEndpoint(ApiSettings settings, Responder responder)
{
    public const string Path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    public ConcurrentQueue<JsonObject> Asked { get; } = new();

    public Task HandleAsync(HttpContext context) => responder.RespondAsync(context, body =>
    {
        if (!HttpMethods.IsPost(context.Request.Method)) throw ApiStatus.MethodNotAllowed();
        var review = Responder.ParseObject(body);
        if (review["spec"] is not JsonObject spec || spec["resourceAttributes"] is not JsonObject)
        {
            throw ApiStatus.BadRequest("spec.resourceAttributes: Required value");
        }

        Asked.Enqueue((JsonObject)review.DeepClone());
        var allowed = settings.AccessRule?.Invoke(spec) == true;
        review["apiVersion"] = "authorization.k8s.io/v1";
        review["kind"] = "SubjectAccessReview";
        review["status"] = new JsonObject
        {
            ["allowed"] = allowed,
            ["reason"] = allowed ? "allowed by the test's rule" : "denied by the test's rule",
        };
        return (201, review);
    });
}
