using Allocator.Inventory.V1;
using Allocator.Queue.V1;
using Allocator.Service.Partitions;
using Allocator.Service.Queue;
using Allocator.Service.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Api;

/// <summary>
/// Stand-alone inventory API (refused in Kubernetes mode). Changes are queued like allocations
/// and applied by the leader, so a call returns once its change is committed. Callers need the
/// inventory token (<see cref="InventoryAccess"/>), checked before anything else. A change goes
/// to the partition that owns the server (its fleet label, or its namespace); a removal or an
/// ended session names only the server, so with partitions by fleet it is tried in each
/// partition in turn until one has the server.
/// </summary>
public sealed class InventoryApi(PartitionSet partitions, InventoryAccess access, IOptions<QueueOptions> options, IOptions<Inventory.InventoryOptions> inventory, IOptions<ApiOptions> api, TimeProvider time)
    : InventoryService.InventoryServiceBase
{
    public override async Task<GameServerReply> Register(RegisterRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request.GameServer, "gameServer", api.Value.ListMaxItems));
        return (await SubmitAsync(new InventoryChange { Register = request }, Owning(request.GameServer), context)).GameServer;
    }

    public override async Task<GameServerReply> Update(UpdateRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request.GameServer, "gameServer", api.Value.ListMaxItems));
        return (await SubmitAsync(new InventoryChange { Update = request }, Owning(request.GameServer), context)).GameServer;
    }

    public override async Task<RemoveReply> Remove(RemoveRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.ValidateName(request.Namespace, request.Name));
        var change = new InventoryChange { Remove = request };
        foreach (var partition in Holding(request.Namespace))
        {
            var removed = (await SubmitAsync(change, partition, context)).Removed;
            if (removed.Removed) return removed;
        }

        return new RemoveReply { Removed = false };
    }

    public override async Task<GameServerReply> EndSession(EndSessionRequest request, ServerCallContext context)
    {
        access.Require(context);
        Require(InventoryValidator.Validate(request));
        var change = new InventoryChange { EndSession = request };
        var partitionsLeft = Holding(request.Namespace).ToList();
        for (var i = 0; ; i++)
        {
            try
            {
                return (await SubmitAsync(change, partitionsLeft[i], context)).GameServer;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && i < partitionsLeft.Count - 1)
            {
            }
        }
    }

    private static void Require(string? problem)
    {
        if (problem is not null) throw new RpcException(new Status(StatusCode.InvalidArgument, problem));
    }

    private Partition Owning(Allocator.Inventory.V1.GameServer server) =>
        partitions.Owning(server.Labels.GetValueOrDefault(PartitionRoute.FleetLabel, ""), string.IsNullOrEmpty(server.Namespace) ? "default" : server.Namespace);

    /// <summary>The partitions that may hold a server known only by namespace and name.</summary>
    private IEnumerable<Partition> Holding(string @namespace) =>
        partitions.By == PartitionBy.Namespace ? [partitions.Owning("", string.IsNullOrEmpty(@namespace) ? "default" : @namespace)] : partitions.All;

    private async Task<Outcome> SubmitAsync(InventoryChange change, Partition partition, ServerCallContext context)
    {
        // In Kubernetes mode Agones owns the game servers: a second writer would fight the watch.
        if (inventory.Value.IsKubernetes)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "the inventory API is for stand-alone mode; in Kubernetes mode game servers come from Agones GameServers (change them there, e.g. with the Agones SDK)"));
        }

        var outcome = await partition.Submitter.SubmitAsync(
            RequestKind.Inventory,
            CallSettings.RequestId(context),
            JsonFormatter.Default.Format(change),
            CallSettings.TraceParent(context),
            CallSettings.Deadline(context, options.Value, time),
            context.CancellationToken);
        return outcome.ThrowIfError();
    }
}
