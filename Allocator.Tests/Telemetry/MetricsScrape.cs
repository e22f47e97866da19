using System.Globalization;
using System.Text.RegularExpressions;

namespace Allocator.Tests.Telemetry;

/// <summary>One Prometheus text scrape, read by metric name and label subset.</summary>
public sealed partial class MetricsScrape(string text)
{
    public string Text => text;

    public static async Task<MetricsScrape> GetAsync(HttpClient http, int port) =>
        new(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels include every given pair (0 when none).</summary>
    public double Value(string name, params (string Label, string Value)[] labels)
    {
        double sum = 0;
        foreach (Match m in Sample().Matches(text))
        {
            if (m.Groups["name"].Value != name) continue;
            var set = m.Groups["labels"].Value;
            if (labels.All(l => set.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                sum += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
