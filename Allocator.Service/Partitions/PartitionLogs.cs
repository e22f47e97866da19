namespace Allocator.Service.Partitions;

/// <summary>
/// A partition's loggers: the replica's, their category ending in <c>[partition p]</c> when
/// there are several partitions, so a line says which partition's leader or follower wrote it.
/// </summary>
internal sealed class PartitionLogs(ILoggerFactory replica, int partition) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => replica.CreateLogger($"{categoryName}[partition {partition}]");

    public void AddProvider(ILoggerProvider provider) => replica.AddProvider(provider);

    // The replica's factory is the replica's to dispose.
    public void Dispose()
    {
    }
}
