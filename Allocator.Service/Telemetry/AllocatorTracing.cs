using System.Diagnostics;
using Allocator.Service.Queue;

namespace Allocator.Service.Telemetry;

/// <summary>
/// Spans: one per Allocate call (child of the caller's traceparent), and one per leader batch
/// linked to every request it decided, through the trace parent each stream entry carries.
/// </summary>
public static class AllocatorTracing
{
    public const string SourceName = "Allocator";
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartCall(string name) => Source.StartActivity(name, ActivityKind.Internal);

    public static Activity? StartBatch(IReadOnlyList<QueuedRequest> batch, long epoch)
    {
        if (!Source.HasListeners()) return null;
        var links = new List<ActivityLink>(batch.Count);
        foreach (var request in batch)
        {
            if (ActivityContext.TryParse(request.TraceParent, null, out var context)) links.Add(new ActivityLink(context));
        }

        // A root of its own: a batch serves many callers, none of them its parent.
        var activity = Source.StartActivity("Batch", ActivityKind.Internal, parentContext: default, links: links);
        activity?.SetTag("allocator.epoch", epoch);
        activity?.SetTag("allocator.batch.size", batch.Count);
        return activity;
    }
}
