using Allocator.Service.Allocation;

namespace Allocator.Tests.Allocation;

/// <summary>
/// Sessions arriving and ending at random on multi-session servers, three fleets at once.
/// Departures can leave servers part-empty (nothing moves a running session), so the
/// allocator's part is: never open a server while another of the fleet has room, and refill
/// the gaps departures leave before opening anything, which brings the count of servers in
/// use back to the optimum.
/// </summary>
public class PackingScenarioTests
{
    private const int Capacity = 10;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Sessions_that_come_and_go_stay_packed(int seed)
    {
        var random = new Random(seed);
        var fleets = new[] { "red", "green", "blue" };
        var fleet = new Fleet();
        for (var i = 0; i < 90; i++)
        {
            fleet.Load(new GameServer
            {
                Name = $"gs-{i:D2}",
                NodeName = $"node-{i % 6}",
                Labels = new() { ["agones.dev/fleet"] = fleets[i % 3] },
                Counters = new() { ["rooms"] = new CounterState { Capacity = Capacity } },
            });
        }

        var engine = new AllocationEngine(fleet, new Random(seed));
        var sessions = new List<GameServer>(); // one entry per live session

        void Arrive(string name)
        {
            var roomOnAllocated = fleet.Servers.Any(s => s.Labels["agones.dev/fleet"] == name && s.State == GameServerStates.Allocated && s.Counters["rooms"].Available > 0);
            var ready = fleet.Servers.Where(s => s.State == GameServerStates.Ready).Select(s => s.Name).ToHashSet();
            var chosen = engine.Allocate(FleetBuilder.Session(name), DateTimeOffset.UnixEpoch).Server;
            Assert.NotNull(chosen);
            sessions.Add(chosen);
            // Opening a Ready server while an allocated one of the fleet has room would spread sessions.
            Assert.False(ready.Contains(chosen.Name) && roomOnAllocated, $"{name}: opened {chosen.Name} while an allocated server had room");
        }

        void Depart()
        {
            var at = random.Next(sessions.Count);
            var server = sessions[at];
            sessions.RemoveAt(at);
            fleet.Edit(server, s => s.Counters["rooms"].Count--);
        }

        int Optimal(string name) => (sessions.Count(s => s.Labels["agones.dev/fleet"] == name) + Capacity - 1) / Capacity;
        int InUse(string name) => fleet.Servers.Count(s => s.Labels["agones.dev/fleet"] == name && s.Counters["rooms"].Count > 0);

        for (var step = 0; step < 6_000; step++)
        {
            if (sessions.Count == 0 || random.NextDouble() < 0.55) Arrive(fleets[random.Next(3)]);
            else Depart();
            if (step % 64 == 0)
            {
                fleet.TakeChanges();
                fleet.Accept();
            }

            if (step % 1000 == 999)
            {
                // Arrivals refill the gaps departures left before anything new is opened.
                foreach (var name in fleets)
                {
                    var gaps = fleet.Servers.Where(s => s.Labels["agones.dev/fleet"] == name && s.Counters["rooms"].Count > 0).Sum(s => s.Counters["rooms"].Available);
                    var before = InUse(name);
                    for (var i = 0; i < gaps; i++) Arrive(name);
                    Assert.Equal(before, InUse(name));
                    Assert.True(InUse(name) <= Optimal(name) + 1, $"{name}: {InUse(name)} servers in use, optimal {Optimal(name)}");
                }
            }
        }
    }
}
