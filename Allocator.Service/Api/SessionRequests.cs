using Allocation.V1;

namespace Allocator.Service.Api;

/// <summary>Agones' request shapes that this service is built around.</summary>
public static class SessionRequests
{
    /// <summary>
    /// Agones' high-density request: an Allocated server of the fleet with a free session, else
    /// a Ready one; one more session on the counter; Packed.
    /// </summary>
    public static AllocationRequest HighDensity(string fleet, string counter)
    {
        var request = new AllocationRequest { Namespace = "default" };
        foreach (var state in new[] { GameServerSelector.Types.GameServerState.Allocated, GameServerSelector.Types.GameServerState.Ready })
        {
            var selector = new GameServerSelector { GameServerState = state, MatchLabels = { ["agones.dev/fleet"] = fleet } };
            selector.Counters[counter] = new CounterSelector { MinAvailable = 1 };
            request.GameServerSelectors.Add(selector);
        }

        request.Counters[counter] = new CounterAction { Action = "Increment", Amount = 1 };
        return request;
    }
}
