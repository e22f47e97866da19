using Allocation.V1;
using Allocator.Service.Hosting;
using Allocator.Service.Queue;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Api;

/// <summary>
/// Agones' <c>allocation.AllocationService/Allocate</c>: validate, queue for the leader, wait
/// for its answer. Errors: INVALID_ARGUMENT (names the field), UNIMPLEMENTED (multi-cluster),
/// RESOURCE_EXHAUSTED (nothing matches), UNAVAILABLE (no leader, Redis down, overloaded),
/// DEADLINE_EXCEEDED.
/// </summary>
public sealed class AllocationApi(RequestSubmitter submitter, IOptions<AllocatorOptions> options, TimeProvider time)
    : AllocationService.AllocationServiceBase
{
    public override async Task<AllocationResponse> Allocate(AllocationRequest request, ServerCallContext context)
    {
        if (request.MultiClusterSetting?.Enabled == true)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, "multiClusterSetting.enabled: multi-cluster allocation is not supported"));
        }

        var problem = AllocationRequestValidator.Validate(request);
        if (problem is not null) throw new RpcException(new Status(StatusCode.InvalidArgument, problem));

        var outcome = await submitter.SubmitAsync(
            RequestKind.Allocation,
            CallSettings.RequestId(context),
            JsonFormatter.Default.Format(request),
            CallSettings.Deadline(context, options.Value, time),
            context.CancellationToken);
        return outcome.ThrowIfError().Allocation
            ?? throw new RpcException(new Status(StatusCode.Internal, "answer carried no allocation"));
    }
}
