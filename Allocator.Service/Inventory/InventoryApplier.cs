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
        InventoryChange.ChangeOneofCase.Register => Register(fleet, change.Register.GameServer),
        InventoryChange.ChangeOneofCase.Update => Update(fleet, change.Update.GameServer),
        InventoryChange.ChangeOneofCase.Remove => new Outcome
        {
            Removed = new RemoveReply { Removed = fleet.Remove(Allocation.GameServer.KeyOf(Namespace(change.Remove.Namespace), change.Remove.Name)) },
        },
        InventoryChange.ChangeOneofCase.EndSession => EndSession(fleet, change.EndSession),
        _ => Outcomes.Error(StatusCode.InvalidArgument, "inventory change is empty"),
    };

    /// <summary>"This is my whole state now" (e.g. a game server process that (re)started).</summary>
    private static Outcome Register(Fleet fleet, global::Allocator.Inventory.V1.GameServer proto)
    {
        var server = GameServerMapping.ToModel(proto);
        fleet.Put(server);
        return Reply(server);
    }

    /// <summary>
    /// Replaces the description (state, labels, annotations, address, ports, node, capacities)
    /// but keeps the occupancy (counter counts, list values): only allocations and EndSession
    /// change those, so a report that crosses an allocation in flight cannot erase a session.
    /// </summary>
    private static Outcome Update(Fleet fleet, global::Allocator.Inventory.V1.GameServer proto)
    {
        var update = GameServerMapping.ToModel(proto);
        var current = fleet.Find(update.Key);
        if (current is null) return Outcomes.Error(StatusCode.NotFound, $"game server {update.Key} is not registered");

        foreach (var (key, counter) in update.Counters)
        {
            if (current.Counters.TryGetValue(key, out var held)) counter.Count = Math.Min(held.Count, counter.Capacity);
        }

        foreach (var (key, list) in update.Lists)
        {
            if (current.Lists.TryGetValue(key, out var held)) list.Values = held.Values.Take((int)list.Capacity).ToList();
        }

        fleet.Put(update);
        return Reply(update);
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

            if (request.List.Length > 0) s.Lists[request.List].Delete([request.Value]);
        });
        return Reply(server);
    }

    private static Outcome Reply(Allocation.GameServer server) =>
        new() { GameServer = new GameServerReply { GameServer = GameServerMapping.ToProto(server) } };

    private static string Namespace(string ns) => string.IsNullOrEmpty(ns) ? "default" : ns;
}
