using Allocator.Service.Allocation;
using static Allocator.Tests.Allocation.FleetBuilder;

namespace Allocator.Tests.Allocation;

/// <summary>
/// Counter actions as Agones applies them, within the two documented divergences: an
/// Increment of at least 1 needs room, and Packed without priorities ranks servers by the
/// counters the request increments, fullest first. The reference engine agrees on each row.
/// </summary>
public class CounterActionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static CounterAction Action(string operation, long amount, long capacity) => new(
        operation switch { "+" => CounterOperation.Increment, "-" => CounterOperation.Decrement, _ => null },
        amount,
        capacity < 0 ? null : capacity);

    /// <summary>
    /// One Ready server with rooms count/capacity; the action ("+" Increment, "-" Decrement,
    /// "" capacity alone; capacity -1 for none); the server's rooms afterwards, or null when it
    /// is not allocated.
    /// </summary>
    [Theory]
    [InlineData(3, 5, "", 0, 2, "2/2")]     // capacity alone: set, count truncated, allocated
    [InlineData(3, 5, "", 0, 8, "3/8")]
    [InlineData(5, 5, "", 0, 5, "5/5")]     // a full server: a capacity alone needs no room
    [InlineData(3, 5, "+", 0, 2, "2/2")]    // an Increment of 0 hands out nothing: no room needed
    [InlineData(3, 5, "-", 1, 2, "1/2")]    // capacity first, then the count
    [InlineData(3, 5, "+", 2, -1, "5/5")]
    [InlineData(4, 5, "+", 2, -1, null)]    // divergence: an Increment needs room
    [InlineData(3, 5, "+", 1, 2, null)]     // ... on the capacity the request sets
    [InlineData(3, 5, "+", 3, 6, "6/6")]
    public void Counter_actions_as_in_Agones_except_that_an_increment_needs_room(long count, long capacity, string operation, long amount, long newCapacity, string? after)
    {
        var fleet = Of(Server("gs", rooms: count, capacity: capacity));
        var spec = new AllocationSpec { CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = Action(operation, amount, newCapacity) } };

        Assert.Equal(after is null ? [] : ["gs"], ReferenceEngine.Choices(fleet, spec));
        var chosen = new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server;
        Assert.Equal(after, chosen is null ? null : $"{chosen.Counters["rooms"].Count}/{chosen.Counters["rooms"].Capacity}");
    }

    /// <summary>m3-a (0/4) and m3-b (3/4) on one node, both Ready, Packed, no priorities.</summary>
    [Theory]
    [InlineData("", 0, 6, "m3-a")]      // capacity alone: Agones' order (by name)
    [InlineData("+", 0, -1, "m3-a")]    // an Increment of 0 increments nothing
    [InlineData("-", 1, -1, "m3-a")]
    [InlineData("+", 1, -1, "m3-b")]    // divergence: fullest first on a counter the request increments
    [InlineData("+", 1, 6, "m3-b")]
    public void Fullest_first_applies_only_to_counters_the_request_increments(string operation, long amount, long newCapacity, string expected)
    {
        var fleet = Of(Server("m3-a", rooms: 0, capacity: 4), Server("m3-b", rooms: 3, capacity: 4));
        var spec = new AllocationSpec { CounterActions = new Dictionary<string, CounterAction> { ["rooms"] = Action(operation, amount, newCapacity) } };

        Assert.Equal([expected], ReferenceEngine.Choices(fleet, spec));
        Assert.Equal(expected, new AllocationEngine(fleet, new Random(1)).Allocate(spec, Now).Server?.Name);
    }
}
