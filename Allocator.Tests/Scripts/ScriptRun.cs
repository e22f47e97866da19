using System.Diagnostics;
using Allocator.Tests.Helm;

namespace Allocator.Tests.Scripts;

/// <summary>Runs one of <c>scripts/</c> with bash from the repository root.</summary>
internal static class ScriptRun
{
    public static async Task<(int ExitCode, string Output, string Error)> BashAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ChartRenderer.RepositoryRoot,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1)); // a hang guard
        return (process.ExitCode, await output, await error);
    }
}
