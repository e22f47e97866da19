using System.Text.Json.Nodes;
using Google.Protobuf;

namespace Allocator.Tests.Security;

/// <summary>
/// Seeded generator of hostile payloads: byte-level mutations of valid protobuf messages
/// (flips, inserts, truncations, spliced copies), and field-level ones (every string, number
/// and map of a valid message replaced by oversized, malformed or injection-shaped values).
/// </summary>
internal sealed class HostileInput(int seed)
{
    private static readonly string[] Strings =
    [
        "", " ", "a", "A", "-a", "a-", "a.", ".", "*", "a b", "a/b", "default/victim", "{alloc}:requests", "}{", "{",
        "'); redis.call('FLUSHALL') --", "return redis.call('DEL', KEYS[1])", "%s%n", "\n", "\t", "\u0000", "ä", "💥",
        "\u202e", new string('a', 63), new string('a', 64), new string('a', 253), new string('a', 300), new string('x', 5000),
        "agones.dev/fleet", "example.com/" + new string('b', 64), "Ready", "Allocated", "Shutdown", "In", "NotIn", "Exists",
        "Increment", "Decrement", "Packed", "Distributed", "-1", "9223372036854775807", "1e309", "null", "[]", "{}",
    ];

    private static readonly long[] Numbers = [0, 1, -1, 2, 63, 64, 1000, 1001, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue, -4096];

    private readonly Random _random = new(seed);
    private bool _grown;

    public Random Random => _random;

    public Dictionary<string, int> Fallbacks { get; } = [];

    /// <summary>One hostile variant of <paramref name="seedMessage"/>, as wire bytes.</summary>
    public byte[] Mutate(IMessage seedMessage) => _random.Next(5) == 0
        ? MutateBytes(seedMessage.ToByteArray())
        : MutateFields(seedMessage);

    public byte[] RandomBytes() => Enumerable.Range(0, _random.Next(64)).Select(_ => (byte)_random.Next(256)).ToArray();

    private byte[] MutateBytes(byte[] bytes)
    {
        var list = bytes.ToList();
        for (var n = 1 + _random.Next(4); n > 0; n--)
        {
            switch (_random.Next(5))
            {
                case 0 when list.Count > 0: list[_random.Next(list.Count)] ^= (byte)(1 << _random.Next(8)); break;
                case 1: list.Insert(_random.Next(list.Count + 1), (byte)_random.Next(256)); break;
                case 2 when list.Count > 0: list.RemoveRange(_random.Next(list.Count), 1); break;
                case 3: list = list.Take(_random.Next(list.Count + 1)).ToList(); break;
                default: list.AddRange(list.Skip(_random.Next(list.Count + 1)).Take(_random.Next(16))); break;
            }
        }

        return [.. list];
    }

    private byte[] MutateFields(IMessage seedMessage)
    {
        var json = JsonNode.Parse(JsonFormatter.Default.Format(seedMessage))!;
        _grown = false;
        var edits = 1 + _random.Next(4);
        for (var i = 0; i < edits; i++) json = Edit(json, depth: 0);
        try
        {
            return new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true)).Parse(json.ToJsonString(), seedMessage.Descriptor).ToByteArray();
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            // A variant no protobuf encoder can express: fall back to mangling the bytes.
            Fallbacks[e.Message.Length > 40 ? e.Message[..40] : e.Message] = Fallbacks.GetValueOrDefault(e.Message.Length > 40 ? e.Message[..40] : e.Message) + 1;
            return MutateBytes(seedMessage.ToByteArray());
        }
    }

    /// <summary>Replaces one randomly chosen value somewhere under <paramref name="node"/>.</summary>
    private JsonNode Edit(JsonNode node, int depth)
    {
        switch (node)
        {
            case JsonObject { Count: 0 } empty:
                empty[Pick(Strings)] = JsonValue.Create(Pick(Strings));
                return empty;
            case JsonObject obj:
                {
                    var key = obj.ElementAt(_random.Next(obj.Count)).Key;
                    // A new key beside it (a label, counter or list name), or the value edited.
                    if (_random.Next(6) == 0) obj[Pick(Strings)] = Edit(obj[key]!.DeepClone(), depth + 1);
                    else obj[key] = Edit(obj[key]!.DeepClone(), depth + 1);
                    return obj;
                }
            case JsonArray { Count: 0 } emptyArray:
                emptyArray.Add(JsonValue.Create(Pick(Strings)));
                return emptyArray;
            case JsonArray array:
                {
                    var i = _random.Next(array.Count);
                    if (!_grown && _random.Next(20) == 0)
                    {
                        // Oversized, once per variant: nested growth would only test the fuzzer's memory.
                        _grown = true;
                        for (var k = 17 + _random.Next(1000); k > 0; k--) array.Add(array[i]!.DeepClone());
                    }
                    else array[i] = Edit(array[i]!.DeepClone(), depth + 1);
                    return array;
                }
            default:
                return HostileValue(node);
        }
    }

    /// <summary>A value of the same JSON kind as <paramref name="original"/> mostly (so it still parses), now and then of another.</summary>
    private JsonNode HostileValue(JsonNode original) => (original.GetValueKind(), _random.Next(10)) switch
    {
        (_, 0) => JsonValue.Create(Pick(Strings)),
        (System.Text.Json.JsonValueKind.Number, _) => JsonValue.Create(Pick(Numbers)),
        (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False, _) => JsonValue.Create(_random.Next(2) == 0),
        (_, < 4) => JsonValue.Create(Pick(Numbers).ToString()), // int64 fields are strings in proto-JSON
        _ => JsonValue.Create(Pick(Strings)),
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
