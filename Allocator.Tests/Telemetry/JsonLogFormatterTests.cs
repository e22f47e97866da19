using System.Text.Json;
using Allocator.Service.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Allocator.Tests.Telemetry;

/// <summary>The fields of one JSON log line, written by the formatter the <c>json</c> console format selects.</summary>
public class JsonLogFormatterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void An_entry_opens_with_a_lowercase_ISO_8601_UTC_timestamp_and_keeps_the_fields_of_dotnets_format()
    {
        var scopes = new LoggerExternalScopeProvider();
        using var replicaScope = scopes.Push(new Dictionary<string, object?> { ["replica"] = "r1" });
        using var batchScope = scopes.Push("batch 7");
        var state = new List<KeyValuePair<string, object?>>
        {
            new("replica", "r1"), new("epoch", 42L), new("ratio", 0.5), new("gap", double.NaN), new("leading", true), new("node", null),
        };

        using var entry = Write(new JsonConsoleFormatterOptions { IncludeScopes = true, UseUtcTimestamp = true },
            new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Warning, "Allocator.Leadership", new EventId(3012, "Lost"), state,
                new InvalidOperationException("lease gone"), (s, e) => $"Lost the lease of r1 at epoch 42"), scopes);

        var root = entry.RootElement;
        Assert.Equal("timestamp", root.EnumerateObject().First().Name);
        Assert.Equal("2026-03-01T12:00:00.123+00:00", root.GetProperty("timestamp").GetString());
        Assert.False(root.TryGetProperty("Timestamp", out var _));
        Assert.Equal(3012, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Warning", root.GetProperty("LogLevel").GetString());
        Assert.Equal("Allocator.Leadership", root.GetProperty("Category").GetString());
        Assert.Equal("Lost the lease of r1 at epoch 42", root.GetProperty("Message").GetString());
        Assert.Contains("InvalidOperationException: lease gone", root.GetProperty("Exception").GetString());

        var fields = root.GetProperty("State");
        Assert.Equal("r1", fields.GetProperty("replica").GetString());
        Assert.Equal(42, fields.GetProperty("epoch").GetInt64());
        Assert.Equal(0.5, fields.GetProperty("ratio").GetDouble());
        Assert.Equal("NaN", fields.GetProperty("gap").GetString()); // JSON has no NaN: text, not a broken line
        Assert.True(fields.GetProperty("leading").GetBoolean());
        Assert.Equal(JsonValueKind.Null, fields.GetProperty("node").ValueKind);

        var scopeList = root.GetProperty("Scopes").EnumerateArray().ToList();
        Assert.Equal("r1", scopeList[0].GetProperty("replica").GetString());
        Assert.Equal("batch 7", scopeList[1].GetString());
    }

    [Fact]
    public void Without_an_exception_or_scopes_those_fields_are_left_out_and_the_timestamp_follows_the_configured_format()
    {
        using var entry = Write(new JsonConsoleFormatterOptions { TimestampFormat = "HH:mm:ss.fff", UseUtcTimestamp = true },
            new LogEntry<string>(LogLevel.Information, "Allocator.Hosting", new EventId(1), "started", null, (s, _) => s),
            new LoggerExternalScopeProvider());

        var root = entry.RootElement;
        Assert.Equal("12:00:00.123", root.GetProperty("timestamp").GetString());
        Assert.Equal("started", root.GetProperty("Message").GetString());
        Assert.False(root.TryGetProperty("Exception", out var _));
        Assert.False(root.TryGetProperty("Scopes", out var _));
    }

    private static JsonDocument Write<TState>(JsonConsoleFormatterOptions options, LogEntry<TState> entry, IExternalScopeProvider scopes)
    {
        using var formatter = new JsonLogFormatter(new FixedOptions(options), new FixedClock());
        var output = new StringWriter();
        formatter.Write(entry, scopes, output);
        var text = output.ToString();
        Assert.EndsWith(Environment.NewLine, text);
        Assert.DoesNotContain('\n', text.TrimEnd()); // one line per entry
        return JsonDocument.Parse(text);
    }

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class FixedOptions(JsonConsoleFormatterOptions value) : IOptionsMonitor<JsonConsoleFormatterOptions>
    {
        public JsonConsoleFormatterOptions CurrentValue => value;
        public JsonConsoleFormatterOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<JsonConsoleFormatterOptions, string?> listener) => null;
    }
}
