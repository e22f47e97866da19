using Allocator.Inventory.V1;
using Allocator.Queue.V1;
using Allocator.Service.Allocation;
using Allocator.Service.Queue;
using Grpc.Core;

namespace Allocator.Service.Inventory;

/// <summary>
/// Applies one stand-alone inventory change to the leader's fleet (no I/O): the leader is the
/// single writer, so registrations never race allocations.
/// </summary>
public static class InventoryApplier
{
    public static Outcome Apply(Fleet fleet, InventoryChange change) => change.ChangeCase switch
    {
        InventoryChange.ChangeOneofCase.Register => Put(fleet, change.Register.GameServer, mustExist: false),
        InventoryChange.ChangeOneofCase.Update => Put(fleet, change.Update.GameServer, mustExist: true),
        InventoryChange.ChangeOneofCase.Remove => new Outcome
        {
            Removed = new RemoveReply { Removed = fleet.Remove(Allocation.GameServer.KeyOf(Namespace(change.Remove.Namespace), change.Remove.Name)) },
        },
        InventoryChange.ChangeOneofCase.EndSession => EndSession(fleet, change.EndSession),
        _ => Outcomes.Error(StatusCode.InvalidArgument, "inventory change is empty"),
    };

    private static Outcome Put(Fleet fleet, global::Allocator.Inventory.V1.GameServer proto, bool mustExist)
    {
        var server = GameServerMapping.ToModel(proto);
        if (mustExist && fleet.Find(server.Key) is null)
        {
            return Outcomes.Error(StatusCode.NotFound, $"game server {server.Key} is not registered");
        }

        fleet.Put(server);
        return Reply(server);
    }

    private static Outcome EndSession(Fleet fleet, EndSessionRequest request)
    {
        var key = Allocation.GameServer.KeyOf(Namespace(request.Namespace), request.Name);
        var server = fleet.Find(key);
        if (server is null) return Outcomes.Error(StatusCode.NotFound, $"game server {key} is not registered");

        if (request.Counter.Length > 0 && !server.Counters.ContainsKey(request.Counter))
        {
            return Outcomes.Error(StatusCode.FailedPrecondition, $"counter: game server {key} has no counter '{request.Counter}'");
        }

        if (request.List.Length > 0 && !server.Lists.ContainsKey(request.List))
        {
            return Outcomes.Error(StatusCode.FailedPrecondition, $"list: game server {key} has no list '{request.List}'");
        }

        fleet.Edit(server, s =>
        {
            if (request.Counter.Length > 0)
            {
                var counter = s.Counters[request.Counter];
                counter.Count = Math.Max(0, counter.Count - 1);
            }

            if (request.List.Length > 0) s.Lists[request.List].Values.Remove(request.Value);
        });
        return Reply(server);
    }

    private static Outcome Reply(Allocation.GameServer server) =>
        new() { GameServer = new GameServerReply { GameServer = GameServerMapping.ToProto(server) } };

    private static string Namespace(string ns) => string.IsNullOrEmpty(ns) ? "default" : ns;
}
