using Microsoft.Extensions.Logging.Console;

namespace Allocator.Service.Telemetry;

/// <summary>
/// Console log lines that a person or a collector can place in time: every line of the
/// simple format starts with an ISO 8601 timestamp, and every JSON object has a
/// <c>timestamp</c> property (<see cref="JsonLogFormatter"/>, in place of .NET's own
/// <c>json</c> format). appsettings.json makes the simple format one line per entry and the
/// time UTC; settings under <c>Logging:Console:FormatterOptions</c> win (scripts/chaos.sh
/// sets a shorter, local format to match the load generator's).
/// </summary>
public static class LogFormat
{
    public const string Timestamp = "yyyy-MM-dd'T'HH:mm:ss.fffzzz";

    public static ILoggingBuilder AddTimestamps(this ILoggingBuilder logging)
    {
        // The simple format's timestamp is followed by the level; JSON's is a value of its own
        // (JsonLogFormatter falls back to Timestamp).
        logging.Services.Configure<SimpleConsoleFormatterOptions>(o => o.TimestampFormat ??= Timestamp + " ");
        logging.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            // A log line is not HTML: '+' and '\'' stay as they are instead of \u002B and \u0027.
            if (o.JsonWriterOptions.Encoder is null) o.JsonWriterOptions = o.JsonWriterOptions with { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        });
        // .NET's formatter (internal, so found by its type's name) writes "Timestamp"; ours takes
        // its name "json", its options and its place, so FormatterName=json selects ours.
        var builtIn = logging.Services.Where(d => d.ServiceType == typeof(ConsoleFormatter) && d.ImplementationType?.Name == "JsonConsoleFormatter").ToList();
        foreach (var d in builtIn) logging.Services.Remove(d);
        logging.AddConsoleFormatter<JsonLogFormatter, JsonConsoleFormatterOptions>();
        return logging;
    }
}
