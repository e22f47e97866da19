namespace Allocator.Service.Storage;

internal static partial class StorageLog
{
    [LoggerMessage(3010, LogLevel.Information, "Redis primary of {Service} is {Primary} ({Votes} of {Sentinels} Sentinels name it; before: {Before})")]
    public static partial void PrimaryNamed(ILogger logger, string service, string primary, int votes, int sentinels, string before);

    [LoggerMessage(3011, LogLevel.Information, "Moved {Connections} Redis connection(s) to the new primary {Primary}")]
    public static partial void ConnectionsMoved(ILogger logger, int connections, string primary);
}
