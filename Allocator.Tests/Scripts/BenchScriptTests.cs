namespace Allocator.Tests.Scripts;

/// <summary>scripts/bench.sh: what it checks before it builds or starts anything.</summary>
public class BenchScriptTests
{
    [Fact]
    public async Task The_script_parses()
    {
        var (exitCode, _, error) = await ScriptRun.BashAsync("-n", "scripts/bench.sh");
        Assert.True(exitCode == 0, error);
    }

    [Fact]
    public async Task An_unknown_section_is_refused_and_the_sections_are_named()
    {
        var (exitCode, _, error) = await ScriptRun.BashAsync("scripts/bench.sh", "--only", "cpu latency");
        Assert.Equal(2, exitCode);
        Assert.Contains("unknown section 'latency' (sections: e2e minreplicas baseline resume cpu)", error);
    }

    [Fact]
    public async Task The_cpu_section_refuses_more_allocations_than_a_fleet_holds()
    {
        // 20,000 servers x 10 sessions: 3 runs of 70,000 calls would run the fleet dry.
        var (exitCode, _, error) = await ScriptRun.BashAsync("scripts/bench.sh", "--only", "cpu", "--calls", "70000", "--repeat", "3");
        Assert.Equal(2, exitCode);
        Assert.Contains("must stay under the fleet's 200000 sessions", error);
    }
}
