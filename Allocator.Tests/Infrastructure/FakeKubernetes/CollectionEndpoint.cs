using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// <c>/.../{plural}</c> and <c>/.../namespaces/{ns}/{plural}</c>: GET lists or (with <c>watch=true</c>)
/// watches; POST creates in the namespace.
/// </summary>
internal sealed class CollectionEndpoint(ResourceType type, ResourceStore store, Responder responder, WatchStreamer watches, ApiCounters counters)
{
    public Task HandleAsync(HttpContext context, string? ns) => context.Request.Method switch
    {
        "GET" => ListOrWatchAsync(context, ns),
        "POST" when ns is not null => responder.RespondAsync(context, body => (StatusCodes.Status201Created, Create(ns, body))),
        _ => responder.RespondAsync(context, _ => throw ApiStatus.MethodNotAllowed()),
    };

    private async Task ListOrWatchAsync(HttpContext context, string? ns)
    {
        ListQuery query;
        ObjectFilter filter;
        try
        {
            query = ListQuery.From(context.Request.Query);
            filter = ObjectFilter.Parse(ns, query.LabelSelector, query.FieldSelector);
        }
        catch (ApiException e)
        {
            await Responder.WriteAsync(context, e.Code, e.Status);
            return;
        }
        if (query.Watch)
        {
            counters.OnWatch();
            await watches.StreamAsync(context, type, filter, query);
            return;
        }
        counters.OnList();
        var (items, resourceVersion) = store.List(type, filter);
        await responder.RespondAsync(context, _ => (StatusCodes.Status200OK, ListPages.Build(type, items, resourceVersion, query)));
    }

    private System.Text.Json.Nodes.JsonObject Create(string ns, string body)
    {
        var obj = Responder.ParseObject(body);
        if (ObjectMeta.Namespace(obj) is { } given && given != ns)
            throw ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        return store.Create(type, ns, obj);
    }
}
