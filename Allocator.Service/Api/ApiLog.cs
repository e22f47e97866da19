namespace Allocator.Service.Api;

internal static partial class ApiLog
{
    // Debug only: at thousands of calls a second a line per call is a cost, and payloads stay out of logs.
    [LoggerMessage(4001, LogLevel.Debug, "Allocate {RequestId}: {Status} in {Elapsed:F1} ms")]
    public static partial void Answered(ILogger logger, string requestId, string status, double elapsed);
}
