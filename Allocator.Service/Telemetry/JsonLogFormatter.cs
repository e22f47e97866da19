using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Telemetry;

/// <summary>
/// The <c>json</c> console format: one object per line that opens with <c>timestamp</c>, the
/// name log collectors take an entry's time from. The other properties are named as .NET's own
/// JSON formatter names them (<c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>,
/// <c>Exception</c>, <c>State</c>, <c>Scopes</c>) so queries written for it keep working; that
/// formatter writes <c>Timestamp</c>, and only when a format is set. Reads the same
/// <see cref="JsonConsoleFormatterOptions"/> (<c>Logging:Console:FormatterOptions</c>).
/// </summary>
public sealed class JsonLogFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatName = ConsoleFormatterNames.Json;

    private readonly IDisposable? _reload;
    private readonly TimeProvider _clock;
    private JsonConsoleFormatterOptions _options;

    public JsonLogFormatter(IOptionsMonitor<JsonConsoleFormatterOptions> options, TimeProvider? clock = null) : base(FormatName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
        _clock = clock ?? TimeProvider.System;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;
        var options = _options;

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, options.JsonWriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", Now(options));
            json.WriteNumber("EventId", logEntry.EventId.Id);
            json.WriteString("LogLevel", logEntry.LogLevel.ToString());
            json.WriteString("Category", logEntry.Category);
            json.WriteString("Message", message);
            if (logEntry.Exception is { } exception) json.WriteString("Exception", exception.ToString());
            if (logEntry.State is { } state)
            {
                json.WriteStartObject("State");
                json.WriteString("Message", state.ToString());
                if (state is IEnumerable<KeyValuePair<string, object?>> fields) WriteFields(json, fields);
                json.WriteEndObject();
            }
            if (options.IncludeScopes && scopeProvider is not null) WriteScopes(json, scopeProvider);
            json.WriteEndObject();
        }
        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write(Environment.NewLine);
    }

    private string Now(JsonConsoleFormatterOptions options)
    {
        var now = options.UseUtcTimestamp ? _clock.GetUtcNow() : _clock.GetLocalNow();
        return now.ToString(options.TimestampFormat ?? LogFormat.Timestamp, CultureInfo.InvariantCulture);
    }

    private static void WriteScopes(Utf8JsonWriter json, IExternalScopeProvider scopeProvider)
    {
        json.WriteStartArray("Scopes");
        scopeProvider.ForEachScope(static (scope, w) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> fields)
            {
                w.WriteStartObject();
                w.WriteString("Message", scope.ToString());
                WriteFields(w, fields);
                w.WriteEndObject();
            }
            else w.WriteStringValue(Convert.ToString(scope, CultureInfo.InvariantCulture));
        }, json);
        json.WriteEndArray();
    }

    private static void WriteFields(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        foreach (var (key, value) in fields)
        {
            json.WritePropertyName(key);
            WriteValue(json, value);
        }
    }

    // Numbers and booleans stay JSON numbers and booleans so a pipeline can compare them;
    // everything else (and a NaN or infinity, which JSON cannot hold) is its invariant text.
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case byte or sbyte or short or ushort or int or uint or long: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
            case ulong u: json.WriteNumberValue(u); break;
            case decimal m: json.WriteNumberValue(m); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    public void Dispose() => _reload?.Dispose();
}
