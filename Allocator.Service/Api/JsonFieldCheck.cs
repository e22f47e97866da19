using System.Globalization;
using System.Text.Json;
using Google.Protobuf.Reflection;

namespace Allocator.Service.Api;

/// <summary>
/// Finds the first value of a proto-JSON body that cannot become its field, and names the
/// field as the validator does (<c>gameServerSelectors[0].gameServerState</c>,
/// <c>counters[rooms].amount</c>). JSON transcoding reports these without a field ("Request
/// JSON payload is not correctly formatted", or a .NET type name). It accepts what protojson
/// (Agones' grpc-gateway) accepts: integers as numbers or strings, enums by name or number,
/// null for a default, unknown fields ignored.
/// </summary>
public sealed class JsonFieldCheck
{
    private readonly List<string> _path = [];

    private JsonFieldCheck()
    {
    }

    /// <summary>The first problem, starting with the field path, or null when the body fits <paramref name="message"/>.</summary>
    public static string? Problem(ReadOnlySpan<byte> json, MessageDescriptor message) => new JsonFieldCheck().Check(json, message);

    private string? Check(ReadOnlySpan<byte> json, MessageDescriptor message)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read()) return "request body: empty";
            return Message(ref reader, message) ?? (reader.Read() ? "request body: more than one JSON value" : null);
        }
        catch (JsonException e)
        {
            // The reader's own message ends with its zero-based position: say it once, one-based.
            var reason = e.Message.Split(" LineNumber:", 2)[0].Trim();
            return $"{Path}: malformed JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {reason}";
        }
    }

    private string Path => _path.Count == 0 ? "request body" : string.Concat(_path).TrimStart('.');

    private string? Message(ref Utf8JsonReader reader, MessageDescriptor message)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return Expected("an object", ref reader);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            var field = message.FindFieldByName(name) ?? message.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);
            reader.Read();
            if (field is null)
            {
                reader.Skip(); // unknown fields are ignored, as Agones' gateway ignores them
                continue;
            }

            _path.Add("." + field.JsonName);
            var problem = Field(ref reader, field);
            if (problem is not null) return problem;
            _path.RemoveAt(_path.Count - 1);
        }

        return null;
    }

    private string? Field(ref Utf8JsonReader reader, FieldDescriptor field)
    {
        if (reader.TokenType == JsonTokenType.Null) return null; // the field's default
        if (field.IsMap)
        {
            if (reader.TokenType != JsonTokenType.StartObject) return Expected("an object", ref reader);
            var value = field.MessageType.FindFieldByNumber(2);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                _path.Add($"[{reader.GetString()}]");
                reader.Read();
                var problem = Single(ref reader, value);
                if (problem is not null) return problem;
                _path.RemoveAt(_path.Count - 1);
            }

            return null;
        }

        if (field.IsRepeated)
        {
            if (reader.TokenType != JsonTokenType.StartArray) return Expected("an array", ref reader);
            for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
            {
                _path.Add($"[{i}]");
                var problem = Single(ref reader, field);
                if (problem is not null) return problem;
                _path.RemoveAt(_path.Count - 1);
            }

            return null;
        }

        return Single(ref reader, field);
    }

    private string? Single(ref Utf8JsonReader reader, FieldDescriptor field)
    {
        // null is a field's default, but no element of a list or value of a map: those fall through and are named by type.
        if (reader.TokenType == JsonTokenType.Null && !field.IsRepeated && !field.ContainingType.IsMapEntry) return null;
        switch (field.FieldType)
        {
            case FieldType.Message when Wrapped(field.MessageType) is { } inner:
                return Single(ref reader, inner);
            case FieldType.Message when field.MessageType.File.Package == "google.protobuf":
                reader.Skip(); // other well-known types have JSON forms of their own: left to the parser
                return null;
            case FieldType.Message:
                return Message(ref reader, field.MessageType);
            case FieldType.Enum:
                return Enum(ref reader, field.EnumType);
            case FieldType.String or FieldType.Bytes:
                return reader.TokenType == JsonTokenType.String ? null : Expected("a string", ref reader);
            case FieldType.Bool:
                return reader.TokenType is JsonTokenType.True or JsonTokenType.False ? null : Expected("true or false", ref reader);
            case FieldType.Float or FieldType.Double:
                return IsNumber(ref reader, integer: false, decimal.MinValue, decimal.MaxValue) ? null : Expected("a number", ref reader);
            default:
                var (min, max, name) = Range(field.FieldType);
                return IsNumber(ref reader, integer: true, min, max) ? null : Expected(name, ref reader);
        }
    }

    private string? Enum(ref Utf8JsonReader reader, EnumDescriptor type)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _)) return null;
        if (reader.TokenType == JsonTokenType.String && type.FindValueByName(reader.GetString()!) is not null) return null;
        return Expected("one of " + string.Join(", ", type.Values.Select(v => v.Name)), ref reader);
    }

    /// <summary>protojson takes integers as numbers or strings, in exponent form too when the value is whole.</summary>
    private static bool IsNumber(ref Utf8JsonReader reader, bool integer, decimal min, decimal max)
    {
        decimal value;
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetDecimal(out value)) return !integer && reader.TryGetDouble(out _);
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString()!;
            if (!integer && text is "NaN" or "Infinity" or "-Infinity") return true;
            if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return !integer && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
        }
        else
        {
            return false;
        }

        return !integer || (value == decimal.Truncate(value) && value >= min && value <= max);
    }

    private static (decimal Min, decimal Max, string Name) Range(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int.MinValue, int.MaxValue, "a 32-bit integer"),
        FieldType.UInt32 or FieldType.Fixed32 => (0, uint.MaxValue, "an unsigned 32-bit integer"),
        FieldType.UInt64 or FieldType.Fixed64 => (0, ulong.MaxValue, "an unsigned 64-bit integer"),
        _ => (long.MinValue, long.MaxValue, "a 64-bit integer"),
    };

    /// <summary>google.protobuf.Int64Value and its kin are written as the bare value.</summary>
    private static FieldDescriptor? Wrapped(MessageDescriptor type) =>
        type.File.Package == "google.protobuf" && type.Name.EndsWith("Value", StringComparison.Ordinal) && type.Fields.InDeclarationOrder() is [{ Name: "value" } value]
            ? value
            : null;

    private string Expected(string what, ref Utf8JsonReader reader)
    {
        var got = reader.TokenType switch
        {
            JsonTokenType.String => JsonSerializer.Serialize(Shortened(reader.GetString()!), Quoting),
            JsonTokenType.Number => "the number " + System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            JsonTokenType.Null => "null",
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            _ => reader.TokenType.ToString(),
        };
        return $"{Path}: expected {what}, got {got}";
    }

    private static readonly JsonSerializerOptions Quoting = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Shortened(string value) => value.Length <= 64 ? value : value[..64] + "...";
}
