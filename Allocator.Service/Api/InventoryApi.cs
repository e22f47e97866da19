using Allocator.Inventory.V1;
using Allocator.Queue.V1;
using Allocator.Service.Queue;
using Allocator.Service.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Api;

/// <summary>
/// Stand-alone inventory API (refused in Kubernetes mode). Changes are queued like allocations
/// and applied by the leader, so a call returns once its change is committed. Callers need the
/// inventory token (<see cref="InventoryAccess"/>), checked before anything else.
/// </summary>
public sealed class InventoryApi(RequestSubmitter submitter, InventoryAccess access, IOptions<QueueOptions> options, IOptions<Inventory.InventoryOptions> inventory, IOptions<ApiOptions> api, TimeProvider time)
    : InventoryService.InventoryServiceBase
{
    public override async Task<GameServerReply> Register(RegisterRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request.GameServer, "gameServer", api.Value.ListMaxItems));
        return (await SubmitAsync(new InventoryChange { Register = request }, context)).GameServer;
    }

    public override async Task<GameServerReply> Update(UpdateRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request.GameServer, "gameServer", api.Value.ListMaxItems));
        return (await SubmitAsync(new InventoryChange { Update = request }, context)).GameServer;
    }

    public override async Task<RemoveReply> Remove(RemoveRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.ValidateName(request.Namespace, request.Name));
        return (await SubmitAsync(new InventoryChange { Remove = request }, context)).Removed;
    }

    public override async Task<GameServerReply> EndSession(EndSessionRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request));
        return (await SubmitAsync(new InventoryChange { EndSession = request }, context)).GameServer;
    }

    private static void Require(string? problem)
    {
        if (problem is not null) throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
    }

    private async Task<Outcome> SubmitAsync(InventoryChange change, ServerCallContext context)
    {
        // In Kubernetes mode Agones owns the game servers: a second writer would fight the watch.
        if (inventory.Value.IsKubernetes)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "the inventory API is for stand-alone mode; in Kubernetes mode game servers come from Agones GameServers (change them there, e.g. with the Agones SDK)"));
        }

        var outcome = await submitter.SubmitAsync(
            RequestKind.Inventory,
            CallSettings.RequestId(context),
            JsonFormatter.Default.Format(change),
            CallSettings.TraceParent(context),
            CallSettings.Deadline(context, options.Value, time),
            context.CancellationToken);
        return outcome.ThrowIfError();
    }
}
