using System.Globalization;
using System.Text.RegularExpressions;

namespace Allocator.Service.KubernetesApi;

/// <summary>
/// The <c>timeout</c> query parameter kubectl and client-go send (<c>--request-timeout</c>), a Go
/// duration such as <c>30s</c> or <c>1m30s</c>: the call's deadline, as a gRPC caller's is.
/// </summary>
public static partial class RequestTimeout
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns))+$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex Part();

    /// <summary>The deadline for the call: none given is <see cref="DateTime.MaxValue"/> (the configured default applies).</summary>
    public static bool TryDeadline(string? timeout, DateTime now, out DateTime deadline)
    {
        deadline = DateTime.MaxValue;
        if (string.IsNullOrEmpty(timeout)) return true;
        if (timeout.Length > 64 || !Duration().IsMatch(timeout)) return false;
        var total = TimeSpan.Zero;
        foreach (Match part in Part().Matches(timeout))
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.Zero, // micro- and nanoseconds: below any deadline that can be kept
            };
            if (total > TimeSpan.FromDays(1)) total = TimeSpan.FromDays(1); // capped at MaxDeadline later anyway
        }

        // "0s" means no timeout, as for the API server.
        if (total > TimeSpan.Zero) deadline = now + total;
        return true;
    }
}
