using System.Text;
using System.Text.Json;

namespace Allocator.Tests.Helm;

/// <summary>
/// The first install works end to end: the inventory API is on (a generated token), seeds are
/// optional, NOTES describe what is installed (values a first install gets wrong: ChartValidationTests).
/// </summary>
public class ChartFirstInstallTests
{
    [Fact]
    public void Stand_alone_mode_generates_the_inventory_token_and_mounts_it()
    {
        var chart = ChartRenderer.Render();

        var secret = chart.Single("Secret", chart.FullName + "-inventory-token");
        var token = Encoding.ASCII.GetString(Convert.FromBase64String(Manifest.Text(secret.Root, "data", "token")!));
        Assert.Matches("^[A-Za-z0-9]{40}$", token);
        Assert.Equal("/etc/allocator/inventory-token/token", chart.Env["Allocator__Inventory__TokenFile"]);
        Assert.Equal(secret.Name, Manifest.Text(chart.Volume("inventory-token"), "secret", "secretName"));
        Assert.Equal("/etc/allocator/inventory-token", Manifest.Text(chart.VolumeMount("inventory-token")!, "mountPath"));
        // No seeds unless asked for: a production install gets no fake game servers.
        Assert.False(chart.Env.ContainsKey("Allocator__Inventory__DemoFleet"));
        Assert.False(chart.Env.ContainsKey("Allocator__Inventory__SeedFile"));
    }

    [Theory]
    [InlineData("inventory.tokenSecret=my-token", "my-token")]
    [InlineData("inventory.source=kubernetes", null)]
    public void A_token_Secret_of_yours_or_Kubernetes_mode_generates_none(string set, string? mounted)
    {
        var chart = ChartRenderer.Render("--set", set);

        Assert.Null(chart.Find("Secret", chart.FullName + "-inventory-token"));
        if (mounted is null)
        {
            Assert.False(chart.Env.ContainsKey("Allocator__Inventory__TokenFile"));
            Assert.Null(chart.VolumeMount("inventory-token"));
        }
        else
        {
            Assert.Equal(mounted, Manifest.Text(chart.Volume("inventory-token"), "secret", "secretName"));
        }
    }

    [Fact]
    public void Seed_game_servers_from_values_become_a_ConfigMap_the_replicas_read()
    {
        var values = Path.Combine(Path.GetTempPath(), $"seed-values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(values, """
            inventory:
              seed:
                - {name: gs-1, address: 203.0.113.10, labels: {agones.dev/fleet: blue}, counters: {rooms: {capacity: "10"}}}
            """);
        try
        {
            var chart = ChartRenderer.Render("-f", values);

            var configMap = chart.Single("ConfigMap", chart.FullName + "-seed");
            var seed = JsonDocument.Parse(Manifest.Text(configMap.Root, "data", "seed.json")!).RootElement;
            Assert.Equal("gs-1", Assert.Single(seed.EnumerateArray()).GetProperty("name").GetString());
            Assert.Equal("/etc/allocator/seed/seed.json", chart.Env["Allocator__Inventory__SeedFile"]);
            Assert.Equal(configMap.Name, Manifest.Text(chart.Volume("seed"), "configMap", "name"));
        }
        finally
        {
            File.Delete(values);
        }
    }

    [Fact]
    public void The_service_type_is_configurable_as_Agones_exposes_its_allocator()
    {
        foreach (var type in new[] { "ClusterIP", "LoadBalancer", "NodePort" })
        {
            var chart = ChartRenderer.Render("--set", $"service.type={type}");
            Assert.Equal(type, chart.Single("Service", chart.FullName).Text("spec", "type"));
        }

        var notes = ChartRenderer.RenderNotes("--set", "service.type=LoadBalancer");
        Assert.Contains(".status.loadBalancer.ingress", notes);
        Assert.Contains("tls.extraIpAddresses", notes); // the generated certificate does not name the load balancer
    }

    [Fact]
    public void Notes_register_into_the_fleet_they_allocate_from_with_the_generated_token()
    {
        var notes = ChartRenderer.RenderNotes();

        Assert.Contains("get secret alloc-allocator-inventory-token -o jsonpath='{.data.token}'", notes);
        Assert.Contains("authorization: Bearer $TOKEN", notes);
        var payloads = NotesPayloads.Of(notes);
        Assert.Contains("\"agones.dev/fleet\":\"demo\"", payloads.Register);
        Assert.Contains("\"agones.dev/fleet\":\"demo\"", payloads.Allocate);
        Assert.Contains("InventoryService/EndSession", notes);
        Assert.DoesNotContain("The first leader added", notes);

        var demo = ChartRenderer.RenderNotes("--set", "inventory.demoFleet=servers=20\\,counter=sessions\\,fleet=blue");
        Assert.Contains("demo fleet blue", demo);
        Assert.Contains("\"agones.dev/fleet\":\"blue\"", NotesPayloads.Of(demo).Allocate);
        Assert.Contains("\"sessions\":{\"action\":\"Increment\"", NotesPayloads.Of(demo).Allocate);

        var kubernetes = ChartRenderer.RenderNotes("--set", "inventory.source=kubernetes");
        Assert.DoesNotContain("InventoryService", kubernetes);
        Assert.DoesNotContain("inventory-token", kubernetes);
        Assert.Contains("Agones GameServers", kubernetes);
    }
}

/// <summary>The JSON bodies NOTES.txt hands to grpcurl and curl (<c>-d '...'</c>), by the method they call.</summary>
internal sealed record NotesPayloads(string Register, string Allocate, string EndSession)
{
    public static NotesPayloads Of(string notes)
    {
        var lines = notes.Split('\n');
        string Before(string method)
        {
            var at = Array.FindIndex(lines, l => l.Contains(method, StringComparison.Ordinal));
            Assert.True(at >= 0, $"NOTES call no {method}");
            var line = lines.Take(at + 1).Last(l => l.Contains("-d '", StringComparison.Ordinal));
            var start = line.IndexOf("-d '", StringComparison.Ordinal) + 4;
            return line[start..line.IndexOf('\'', start)];
        }

        return new NotesPayloads(
            Before("InventoryService/Register"),
            Before("AllocationService/Allocate"),
            notes.Contains("InventoryService/EndSession", StringComparison.Ordinal) ? Before("InventoryService/EndSession") : "");
    }
}
