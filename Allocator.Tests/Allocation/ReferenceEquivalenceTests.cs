using Allocator.Service.Allocation;

namespace Allocator.Tests.Allocation;

/// <summary>
/// The indexed engine picks exactly what the brute-force reference picks, over random fleets,
/// requests and churn between them (registrations, removals, count/state/label/node changes,
/// batches committed or undone), with the indexes living across all of it.
/// </summary>
public class ReferenceEquivalenceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Indexed_engine_agrees_with_the_reference(int part)
    {
        const int cases = 800;   // per part: 800 fleets x 12 steps, about two thirds of them decisions
        var decisions = 0;
        for (var seed = part * cases; seed < (part + 1) * cases; seed++)
        {
            var random = new RandomFleet(seed);
            var fleet = random.Fleet();
            var engine = new AllocationEngine(fleet, new Random(seed));
            for (var step = 0; step < 12; step++)
            {
                if (random.Random.Next(3) == 0)
                {
                    random.Churn(fleet);
                    continue;
                }

                var spec = random.Request();
                var expected = ReferenceEngine.Choices(fleet, spec);
                var chosen = engine.Allocate(spec, Now).Server?.Name;
                decisions++;

                var randomPick = spec.Scheduling == Scheduling.Distributed && spec.Priorities.Count == 0;
                if (chosen is null)
                {
                    Assert.True(expected.Count == 0, $"seed {seed} step {step}: engine found nothing, reference {string.Join(",", expected)}");
                }
                else if (randomPick)
                {
                    Assert.True(expected.Contains(chosen), $"seed {seed} step {step}: {chosen} is not among the matches {string.Join(",", expected)}");
                }
                else
                {
                    Assert.True(expected.Count == 1 && expected[0] == chosen, $"seed {seed} step {step}: engine chose {chosen}, reference {string.Join(",", expected)}");
                }
            }
        }

        Assert.True(decisions > 5000, $"only {decisions} decisions"); // > 20,000 over the four parts
    }
}
