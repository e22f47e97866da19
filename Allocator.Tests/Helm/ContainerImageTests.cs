using System.Text.RegularExpressions;

namespace Allocator.Tests.Helm;

/// <summary>The Dockerfile agrees with the chart (no Docker engine here to build it).</summary>
public class ContainerImageTests
{
    private static string Read(string file) => File.ReadAllText(Path.Combine(ChartRenderer.RepositoryRoot, file));

    [Fact]
    public void Image_exposes_the_charts_ports_and_runs_as_non_root()
    {
        var dockerfile = Read("Dockerfile");
        var exposed = Regex.Matches(dockerfile, @"^EXPOSE\s+(.+)$", RegexOptions.Multiline)
            .SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        var chart = ChartRenderer.Render();

        Assert.Contains(chart.ContainerPort("grpc").ToString(), exposed);
        Assert.Contains(chart.ContainerPort("ops").ToString(), exposed);

        var user = Regex.Matches(dockerfile, @"^USER\s+(\S+)", RegexOptions.Multiline).Last().Groups[1].Value;
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:", dockerfile);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"Allocator.Service.dll\"]", dockerfile);
    }

    [Fact]
    public void Build_context_leaves_out_build_output_tests_and_git()
    {
        var ignored = Read(".dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet();

        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("Allocator.Tests/", ignored);
        Assert.Contains(".git/", ignored);
    }
}
