using System.Diagnostics;

namespace Allocator.Tests.Helm;

/// <summary>
/// Renders helm/allocator like <c>helm template</c> through scripts/helm/render.sh (Go
/// text/template + sprig, the engine Helm uses). The renderer is built once per test run; a
/// missing Go toolchain fails the tests with the install command (scripts/test.sh installs it
/// when root), never a silent skip.
/// </summary>
internal static class ChartRenderer
{
    public const string Release = "alloc";
    public const string Namespace = "games";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();
    public static string ChartDirectory => Path.Combine(RepositoryRoot, "helm", "allocator");

    private static readonly Lazy<string> Binary = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Renders the manifests; throws with the renderer's message when it fails.</summary>
    public static RenderedChart Render(params string[] args) => RenderAs(Release, args);

    /// <summary>Renders with another release name.</summary>
    public static RenderedChart RenderAs(string release, params string[] args)
    {
        var result = Run(release, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"render {string.Join(' ', args)} failed ({result.ExitCode}): {result.Error}");
        return RenderedChart.Parse(result.Output, release, Namespace);
    }

    /// <summary>Renders NOTES.txt instead of the manifests.</summary>
    public static string RenderNotes(params string[] args)
    {
        var result = Run(Release, [.. args, "--notes"]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"render --notes {string.Join(' ', args)} failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    /// <summary>The image repository every render gets from install-values.yaml (an install must set one).</summary>
    public const string ImageRepository = "registry.test/allocator";

    /// <summary>Runs the renderer and returns what it printed, failure included.</summary>
    public static RenderResult Run(string release, IEnumerable<string> args) =>
        Execute(Binary.Value, [release, ChartDirectory, "-n", Namespace, "-f", InstallValues, .. args], TimeSpan.FromMinutes(2)); // a hang guard, not a performance claim

    private static string InstallValues => Path.Combine(RepositoryRoot, "Allocator.Tests", "Helm", "install-values.yaml");

    private static string Build()
    {
        var script = Path.Combine(RepositoryRoot, "scripts", "helm", "render.sh");
        // A clean clone compiles sprig and its dependencies: minutes on a busy two-core machine.
        var result = Execute("bash", [script, "--build"], TimeSpan.FromMinutes(10));
        if (result.ExitCode == 3)
            throw new InvalidOperationException("The chart renderer's Go toolchain is missing, so the Helm chart cannot be checked. " + result.Error.Trim());
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"Building the chart renderer (scripts/helm/render.sh --build) failed ({result.ExitCode}): {result.Error}");
        return result.Output.Trim();
    }

    private static RenderResult Execute(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }

        process.WaitForExit();
        return new RenderResult(process.ExitCode, output.Result, error.Result);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Allocator.sln")) && Directory.Exists(Path.Combine(dir.FullName, "helm")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"no Allocator.sln with a helm/ folder above {AppContext.BaseDirectory}");
    }
}

internal sealed record RenderResult(int ExitCode, string Output, string Error);
