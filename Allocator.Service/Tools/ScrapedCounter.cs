using System.Globalization;

namespace Allocator.Service.Tools;

/// <summary>A counter read from replicas' <c>/metrics</c> (Prometheus text), summed over its series and the replicas.</summary>
public static class ScrapedCounter
{
    public static async Task<double> SumAsync(HttpClient http, IEnumerable<string> metricsUrls, string name)
    {
        var total = 0.0;
        foreach (var url in metricsUrls) total += Sum(await http.GetStringAsync(url), name);
        return total;
    }

    /// <summary>Lines <c>name value</c> or <c>name{labels} value [timestamp]</c>.</summary>
    public static double Sum(string scrape, string name)
    {
        var total = 0.0;
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            var rest = line[name.Length] == '{' ? line[(line.IndexOf('}', name.Length) + 1)..] : line[name.Length..];
            total += double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        return total;
    }
}
