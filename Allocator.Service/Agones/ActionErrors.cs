using Allocator.Service.Allocation;

namespace Allocator.Service.Agones;

/// <summary>
/// The counter and list actions of an allocation that the chosen server cannot carry out
/// because it has no such counter or list. The engine skips them, as Agones does; Agones also
/// records each as a Warning Event on the GameServer, and so do we.
/// </summary>
public static class ActionErrors
{
    public static List<ActionError> Find(AllocationSpec spec, GameServer server)
    {
        var errors = new List<ActionError>();
        foreach (var name in spec.CounterActions.Keys.Where(n => !server.Counters.ContainsKey(n)))
        {
            errors.Add(new ActionError("CounterActionError", $"counter action on {name} skipped: counter not found in GameServer {server.Name}"));
        }

        // As in Agones, a list action that asks for nothing touches no list and fails nothing.
        foreach (var (name, _) in spec.ListActions.Where(a => !server.Lists.ContainsKey(a.Key)
                     && (a.Value.AddValues.Count > 0 || a.Value.DeleteValues.Count > 0 || a.Value.Capacity is not null)))
        {
            errors.Add(new ActionError("ListActionError", $"list action on {name} skipped: list not found in GameServer {server.Name}"));
        }

        return errors;
    }
}
