namespace Allocator.Tests.Helm;

/// <summary>Partitions and an external Redis Cluster, as the chart passes them to the service.</summary>
public class ChartPartitionTests
{
    [Fact]
    public void One_partition_sets_no_partition_setting()
    {
        // The default, so an upgrade that brings these values changes no pod.
        Assert.DoesNotContain(ChartRenderer.Render().Env.Keys, k => k.StartsWith("Allocator__Partitions__", StringComparison.Ordinal));
        Assert.DoesNotContain(ChartRenderer.Render("--set", "partitions.count=1").Env.Keys, k => k.StartsWith("Allocator__Partitions__", StringComparison.Ordinal));
    }

    [Fact]
    public void Count_key_and_table_become_their_settings()
    {
        var env = ChartRenderer.Render(ChartExpectations.Scenarios["everything-set"]).Env;

        Assert.Equal("16", env["Allocator__Partitions__Count"]); // a whole number from a values file, not 1.6e+01
        Assert.Equal("Namespace", env["Allocator__Partitions__By"]);
        Assert.Equal("15", env["Allocator__Partitions__Table__tournaments"]);
        Assert.Equal("0", env["Allocator__Partitions__Table__lobby"]);
        Assert.Equal(4, env.Keys.Count(k => k.StartsWith("Allocator__Partitions__", StringComparison.Ordinal)));

        var set = ChartRenderer.Render("--set", "partitions.count=3,partitions.table.arena=2").Env;
        Assert.Equal(("3", "2"), (set["Allocator__Partitions__Count"], set["Allocator__Partitions__Table__arena"]));
        Assert.DoesNotContain("Allocator__Partitions__By", set.Keys); // the service's default, Fleet
    }

    [Fact]
    public void An_external_Redis_Cluster_is_reached_through_its_nodes()
    {
        var chart = ChartRenderer.Render(ChartExpectations.Scenarios["external-cluster"]);

        Assert.Equal("redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379", chart.Env["Allocator__Redis"]);
        Assert.DoesNotContain("serviceName", chart.Env["Allocator__Redis"]);
        Assert.Equal("1", chart.Env["Allocator__MinReplicas"]);
        Assert.Equal("8", chart.Env["Allocator__Partitions__Count"]);
        Assert.DoesNotContain(chart.Manifests, m => m.Name!.Contains("redis-ha", StringComparison.Ordinal));

        var notes = ChartRenderer.RenderNotes(ChartExpectations.Scenarios["external-cluster"]);
        Assert.Contains("(external Redis Cluster; each commit waits for 1 replica), inventory standalone, 8 partitions by Fleet.", notes);
        Assert.Contains("scripts/inspect.sh --prefix alloc -h redis-0.redis -p 6379\n", notes);
    }

    [Fact]
    public void Notes_name_the_first_partitions_keys_when_there_are_several()
    {
        Assert.Contains("HGETALL \"{alloc}:leader-info\"", ChartRenderer.RenderNotes());

        var notes = ChartRenderer.RenderNotes("--set", "partitions.count=2,config.keyPrefix=fleet-a");
        Assert.Contains("HGETALL \"{fleet-a:0}:leader-info\"", notes);
        Assert.Contains("XINFO GROUPS \"{fleet-a:0}:requests\"", notes);
        Assert.Contains("occupancy; per partition)", notes);
    }
}
