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
    public double Value(string name, params (string Label, string Value)[] labels) => Samples(name, labels).Sum();

    /// <summary>Whether such a sample exists at all (a gauge at 0 does; a series never reported does not).</summary>
    public bool Has(string name, params (string Label, string Value)[] labels) => Samples(name, labels).Any();

    /// <summary>A histogram's cumulative buckets: upper bound (le) and count.</summary>
    public IEnumerable<(double Le, double Count)> Buckets(string histogram)
    {
        foreach (Match m in Sample().Matches(text))
        {
            if (m.Groups["name"].Value != histogram + "_bucket") continue;
            var le = Labels().Matches(m.Groups["labels"].Value).First(l => l.Groups["label"].Value == "le").Groups["value"].Value;
            yield return (le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture), double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    private IEnumerable<double> Samples(string name, (string Label, string Value)[] labels)
    {
        foreach (Match m in Sample().Matches(text))
        {
            if (m.Groups["name"].Value != name) continue;
            var set = Labels().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["label"].Value, l => l.Groups["value"].Value);
            if (labels.All(l => set.GetValueOrDefault(l.Label) == l.Value)) yield return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<label>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>[^""]*)""")]
    private static partial Regex Labels();
}
