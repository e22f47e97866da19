using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// Authorisation as a delegating aggregated API server (<c>Authorize=true</c>): a SubjectAccessReview
/// asks the API server whether the user may <c>create</c> <c>gameserverallocations.allocation.agones.dev</c>
/// in the namespace. Answers are reused for <c>AuthorizationTtl</c> per user, groups and namespace,
/// as Kubernetes' own delegating authorizer caches them, so a busy matchmaker costs one review per
/// interval rather than one per allocation.
/// </summary>
public sealed class AccessReview(ApiServerClient kubernetes, IOptions<KubernetesApiOptions> options, TimeProvider time)
{
    private const int MaxCached = 10_000;
    private readonly ConcurrentDictionary<string, (bool Allowed, DateTimeOffset Until)> _answers = new(StringComparer.Ordinal);

    public async Task<bool> AllowedAsync(ApiUser user, string ns, CancellationToken cancellation)
    {
        var key = string.Join('\n', [ns, user.Name, .. user.Groups.Order(StringComparer.Ordinal)]);
        var now = time.GetUtcNow();
        if (_answers.TryGetValue(key, out var cached) && cached.Until > now) return cached.Allowed;

        var review = await kubernetes.Client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user.Name,
                Groups = [.. user.Groups],
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = AllocationResource.Group,
                    Version = AllocationResource.Version,
                    Resource = AllocationResource.Plural,
                    Verb = AllocationResource.Verb,
                    NamespaceProperty = ns,
                },
            },
        }, cancellationToken: cancellation);
        var allowed = review.Status?.Allowed == true && review.Status.Denied != true;
        if (_answers.Count >= MaxCached) _answers.Clear();
        _answers[key] = (allowed, now + options.Value.AuthorizationTtl);
        return allowed;
    }
}
