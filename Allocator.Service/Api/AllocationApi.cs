using System.Diagnostics;
using Allocation.V1;
using Allocator.Queue.V1;
using Allocator.Service.MultiCluster;
using Allocator.Service.Partitions;
using Allocator.Service.Queue;
using Allocator.Service.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Api;

/// <summary>
/// Agones' <c>allocation.AllocationService/Allocate</c> (gRPC, and REST through JSON
/// transcoding): validate, queue for the leader of the request's partition, wait for its answer. Errors: INVALID_ARGUMENT
/// (names the field), UNIMPLEMENTED (multi-cluster when it is off), RESOURCE_EXHAUSTED (nothing matches),
/// UNAVAILABLE (no leader, Redis down, overloaded), DEADLINE_EXCEEDED.
/// </summary>
public sealed class AllocationApi(PartitionSet partitions, IMultiClusterAllocation multiCluster, AllocatorMetrics metrics, IOptions<QueueOptions> options, IOptions<ApiOptions> api, TimeProvider time, ILogger<AllocationApi> log)
    : AllocationService.AllocationServiceBase
{
    public override Task<AllocationResponse> Allocate(AllocationRequest request, ServerCallContext context)
    {
        // A request refused by validation never enters an async frame: its exception is thrown
        // once, where grpc-dotnet awaits the task, not rethrown at every frame on its way out.
        // A bad x-request-id takes the long way (its error comes first, as it always has).
        var problem = AllocationRequestValidator.Validate(request, api.Value.ListMaxItems);
        Partition? partition = null;
        if (problem is null && request.MultiClusterSetting?.Enabled != true) (partition, problem) = partitions.For(request);
        if (problem is not null && CallSettings.TryRequestId(context, out var requestId))
        {
            var started = Stopwatch.GetTimestamp();
            using var span = AllocatorTracing.StartCall("Allocate");
            metrics.CallStarted();
            span?.SetTag("allocator.request_id", requestId);
            Ended(started, span, StatusCode.InvalidArgument, request, requestId, fleet: null);
            return Task.FromException<AllocationResponse>(new RpcException(new Status(StatusCode.InvalidArgument, problem)));
        }

        return AllocateTrackedAsync(request, partition, problem, context);
    }

    private async Task<AllocationResponse> AllocateTrackedAsync(AllocationRequest request, Partition? partition, string? problem, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = AllocatorTracing.StartCall("Allocate");
        metrics.CallStarted();
        var status = StatusCode.Internal;
        var requestId = "";
        string? fleet = null;
        Outcome outcome;
        try
        {
            requestId = CallSettings.RequestId(context);
            span?.SetTag("allocator.request_id", requestId);
            if (problem is not null) throw new RpcException(new Status(StatusCode.InvalidArgument, problem));

            var deadline = CallSettings.Deadline(context, options.Value, time);
            if (request.MultiClusterSetting?.Enabled == true)
            {
                var response = await multiCluster.AllocateAsync(request, requestId, CallSettings.TraceParent(context), deadline, context.CancellationToken);
                (status, fleet) = (StatusCode.OK, FleetOf(response));
                return response;
            }

            outcome = await partition!.Allocations.AllocateAsync(request, requestId, CallSettings.TraceParent(context), deadline, context.CancellationToken);
            if (outcome.Code == (int)StatusCode.OK && outcome.Allocation is null) outcome = Outcomes.Error(StatusCode.Internal, "answer carried no allocation");
            (status, fleet) = ((StatusCode)outcome.Code, FleetOf(outcome.Allocation));
        }
        catch (RpcException e)
        {
            status = e.StatusCode;
            throw;
        }
        finally
        {
            Ended(started, span, status, request, requestId, fleet);
        }

        // An error answer (no room, overload, no leader) is thrown once, here, not rethrown
        // through another frame of ours.
        return status == StatusCode.OK ? outcome.Allocation! : throw new RpcException(new Status(status, outcome.Message));
    }

    private static string? FleetOf(AllocationResponse? response) => response?.Metadata?.Labels.GetValueOrDefault(FleetTally.FleetLabel);

    private void Ended(long started, Activity? span, StatusCode status, AllocationRequest request, string requestId, string? fleet)
    {
        span?.SetTag("rpc.grpc.status_code", (int)status);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.CallEnded(elapsed.TotalSeconds, status, request.Scheduling.ToString(), fleet, request.MultiClusterSetting?.Enabled == true);
        if (log.IsEnabled(LogLevel.Debug)) ApiLog.Answered(log, requestId, status.ToString(), elapsed.TotalMilliseconds);
    }
}
