using System.Diagnostics;
using Allocator.Service.Queue;
using Allocator.Service.Telemetry;

namespace Allocator.Tests.Telemetry;

public class BatchTracingTests
{
    [Fact]
    public void A_batch_span_links_every_request_that_carried_a_trace_parent()
    {
        var started = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AllocatorTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = started.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var first = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var second = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        QueuedRequest Request(string id, string traceParent) => new(RequestKind.Allocation, "1-0", id, "r", 0, traceParent, "{}");
        var batch = new[]
        {
            Request("a", $"00-{first.TraceId}-{first.SpanId}-01"),
            Request("b", ""),
            Request("c", "not a trace parent"),
            Request("d", $"00-{second.TraceId}-{second.SpanId}-01"),
        };

        using (var span = AllocatorTracing.StartBatch(batch, epoch: 7))
        {
            Assert.NotNull(span);
            Assert.Equal(default, span.ParentSpanId); // a root: it serves many callers
            Assert.Equal([first.TraceId, second.TraceId], span.Links.Select(l => l.Context.TraceId));
            Assert.Equal([first.SpanId, second.SpanId], span.Links.Select(l => l.Context.SpanId));
            Assert.Equal(7L, span.GetTagItem("allocator.epoch"));
        }

        Assert.Single(started, a => a.DisplayName == "Batch");
    }
}
