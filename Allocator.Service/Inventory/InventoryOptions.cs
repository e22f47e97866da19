namespace Allocator.Service.Inventory;

/// <summary>Where game servers come from, and stand-alone seeding (section <c>Allocator:Inventory</c>).</summary>
public sealed class InventoryOptions
{
    public const string Section = "Inventory";

    /// <summary>
    /// A generated fleet added by the first leader when missing, e.g.
    /// <c>servers=100,nodes=10,capacity=10,counter=rooms,fleet=demo,namespace=default</c>;
    /// several fleets separated by <c>;</c>.
    /// </summary>
    public string DemoFleet { get; set; } = "";
    /// <summary>JSON file: an array of inventory GameServer objects (proto-JSON), added when missing.</summary>
    public string SeedFile { get; set; } = "";
    /// <summary>
    /// Where game servers come from: <c>standalone</c> (the inventory API and seeds) or
    /// <c>kubernetes</c> (the leader watches Agones GameServers and writes allocations back).
    /// </summary>
    public string Source { get; set; } = "standalone";
    /// <summary>File holding the bearer token the inventory API requires (empty: open in plaintext mode, off over TLS).</summary>
    public string TokenFile { get; set; } = "";

    public bool IsKubernetes => Source == "kubernetes";
}

public sealed class InventoryOptionsValidator : SettingsValidator<InventoryOptions>
{
    public override IEnumerable<string> Problems(InventoryOptions o)
    {
        string? problem = null;
        try
        {
            // Seed servers obey the inventory API's rules (names become Redis fields and change-log lines).
            problem = FleetSeed.FromOptions(o.DemoFleet, o.SeedFile)
                .Select(s => Api.InventoryValidator.Validate(GameServerMapping.ToProto(s), $"seed game server {s.Key}"))
                .FirstOrDefault(p => p is not null);
            if (problem is not null) problem = "Allocator:Inventory:SeedFile: " + problem;
        }
        catch (Exception e) when (e is FormatException or IOException or System.Text.Json.JsonException or Google.Protobuf.InvalidJsonException or InvalidOperationException or OverflowException)
        {
            problem = $"Allocator:Inventory:DemoFleet / Allocator:Inventory:SeedFile cannot be used: {e.Message}";
        }

        if (problem is not null) yield return problem;
        if (o.Source is not ("standalone" or "kubernetes")) yield return $"Allocator:Inventory:Source: '{o.Source}' is not a source; use 'standalone' or 'kubernetes'.";
        if (o.IsKubernetes && (o.DemoFleet.Length > 0 || o.SeedFile.Length > 0)) yield return "Allocator:Inventory:DemoFleet / SeedFile: seeds are for stand-alone mode; in Kubernetes mode game servers come from Agones.";
        if (o.TokenFile.Length > 0 && !File.Exists(o.TokenFile)) yield return $"Allocator:Inventory:TokenFile: {o.TokenFile} does not exist.";
    }
}
