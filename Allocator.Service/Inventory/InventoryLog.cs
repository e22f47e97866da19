namespace Allocator.Service.Inventory;

internal static partial class InventoryLog
{
    [LoggerMessage(2401, LogLevel.Information, "Seed applied in epoch {Epoch}: {Count} game servers added")]
    public static partial void Seeded(ILogger logger, int count, long epoch);
}
