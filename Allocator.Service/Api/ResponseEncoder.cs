using Allocation.V1;
using Allocator.Service.Allocation;
using Resp = Allocation.V1.AllocationResponse.Types;

namespace Allocator.Service.Api;

/// <summary>The Agones AllocationResponse for an allocated game server (as it is after the allocation).</summary>
public static class ResponseEncoder
{
    public const string LocalSource = "local";

    public static AllocationResponse ToResponse(GameServer server)
    {
        var response = new AllocationResponse
        {
            GameServerName = server.Name,
            Address = server.Address,
            NodeName = server.NodeName,
            Source = LocalSource,
            Metadata = new Resp.GameServerMetadata { Labels = { server.Labels }, Annotations = { server.Annotations } },
        };
        response.Ports.AddRange(server.Ports.Select(p => new Resp.GameServerStatusPort { Name = p.Name, Port = p.Port }));
        response.Addresses.AddRange(server.Addresses.Select(a => new Resp.GameServerStatusAddress { Type = a.Type, Address = a.Address }));
        foreach (var (key, counter) in server.Counters)
        {
            response.Counters[key] = new Resp.CounterStatus { Count = counter.Count, Capacity = counter.Capacity };
        }

        foreach (var (key, list) in server.Lists)
        {
            response.Lists[key] = new Resp.ListStatus { Values = { list.Values }, Capacity = list.Capacity };
        }

        return response;
    }
}
