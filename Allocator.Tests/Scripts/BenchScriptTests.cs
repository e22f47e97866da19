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
        Assert.Contains("unknown section 'latency' (sections: e2e minreplicas baseline resume cpu partitions)", error);
    }
}
