using System.Text.Json;
using System.Text.RegularExpressions;

namespace Allocator.Tests.Helm;

/// <summary>The Grafana dashboard the chart ships: optional, labelled for the sidecar, reading only metrics the service exports.</summary>
public partial class ChartDashboardTests
{
    [Fact]
    public void The_dashboard_ConfigMap_is_off_by_default()
    {
        var chart = ChartRenderer.Render();

        Assert.Null(chart.Find("ConfigMap", chart.FullName + "-dashboard"));
    }

    [Fact]
    public void Enabled_it_is_a_ConfigMap_the_Grafana_sidecar_loads()
    {
        var chart = ChartRenderer.Render("--set", "metrics.grafanaDashboard.enabled=true,metrics.grafanaDashboard.namespace=monitoring,metrics.grafanaDashboard.annotations.grafana_folder=Games");

        var configMap = chart.Single("ConfigMap", chart.FullName + "-dashboard");
        Assert.Equal("monitoring", configMap.Namespace);
        Assert.Equal("1", Manifest.StringMap(configMap.Root, "metadata", "labels")["grafana_dashboard"]);
        Assert.Equal("Games", Manifest.StringMap(configMap.Root, "metadata", "annotations")["grafana_folder"]);
        var dashboard = JsonDocument.Parse(Manifest.Text(configMap.Root, "data", "allocator.json")!).RootElement;
        Assert.Equal("Allocator", dashboard.GetProperty("title").GetString());
        Assert.Contains(dashboard.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("type").GetString() == "datasource");

        var other = ChartRenderer.Render("--set", "metrics.grafanaDashboard.enabled=true,metrics.grafanaDashboard.label=dashboards,metrics.grafanaDashboard.labelValue=allocator");
        Assert.Equal("allocator", Manifest.StringMap(other.Single("ConfigMap", other.FullName + "-dashboard").Root, "metadata", "labels")["dashboards"]);
    }

    [Fact]
    public void Every_panel_queries_metrics_the_operations_guide_documents()
    {
        var json = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "dashboards", "allocator.json"));
        var documented = MetricName().Matches(File.ReadAllText(Path.Combine(ChartRenderer.RepositoryRoot, "docs", "operations.md")))
            .Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var panels = JsonDocument.Parse(json).RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();

        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                Assert.Equal("${datasource}", target.GetProperty("datasource").GetProperty("uid").GetString());
                var queried = MetricName().Matches(target.GetProperty("expr").GetString()!).Select(m => m.Value).ToList();
                Assert.NotEmpty(queried);
                foreach (var name in queried)
                {
                    var series = HistogramSeries().Replace(name, "");
                    Assert.True(documented.Contains(name) || documented.Contains(series), $"panel '{panel.GetProperty("title")}' queries {name}, which docs/operations.md does not list");
                }
            }
        }

        // Agones' allocation histogram is what the allocation panels read.
        Assert.Contains("agones_gameserver_allocations_duration_seconds_bucket", json);
    }

    [Fact]
    public void Gauges_with_a_partition_label_are_shown_per_partition()
    {
        var json = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "dashboards", "allocator.json"));
        var targets = JsonDocument.Parse(json).RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Where(t => PartitionedGauge().IsMatch(t.GetProperty("expr").GetString()!))
            .ToList();

        // Each partition has its own leader, term and queue: max across partitions would hide one.
        Assert.Equal(3, targets.Count); // the epoch, queue depth and queue pending
        Assert.All(targets, t =>
        {
            Assert.Matches(@"^max by \((.*, )?partition(, .*)?\) \(", t.GetProperty("expr").GetString());
            Assert.Contains("{{partition}}", t.GetProperty("legendFormat").GetString());
        });
    }

    [GeneratedRegex(@"\ballocator_(epoch|queue_depth|queue_pending)\b")]
    private static partial Regex PartitionedGauge();

    [GeneratedRegex(@"\b(agones|allocator)_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSeries();
}
