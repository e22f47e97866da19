using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// Which objects a list or watch sees: a namespace (or all), a label selector, and a field selector on
/// <c>metadata.name</c> / <c>metadata.namespace</c> (the only fields a custom resource supports).
/// </summary>
internal sealed class ObjectFilter
{
    private readonly string? _namespace;
    private readonly LabelSelector _labels;
    private readonly IReadOnlyList<(string Field, string Value, bool Equal)> _fields;

    private ObjectFilter(string? ns, LabelSelector labels, IReadOnlyList<(string, string, bool)> fields) =>
        (_namespace, _labels, _fields) = (ns, labels, fields);

    public static ObjectFilter Parse(string? ns, string? labelSelector, string? fieldSelector) =>
        new(ns, LabelSelector.Parse(labelSelector), ParseFields(fieldSelector));

    public bool Matches(JsonObject obj) =>
        (_namespace is null || ObjectMeta.Namespace(obj) == _namespace)
        && _labels.Matches(ObjectMeta.Labels(obj))
        && _fields.All(f => (FieldValue(obj, f.Field) == f.Value) == f.Equal);

    /// <summary>The event type this watch sees for a change, or null when the change is outside its selection.</summary>
    public string? EventTypeFor(StoredEvent change)
    {
        var now = Matches(change.Current);
        if (change.Type != "MODIFIED") return now ? change.Type : null;
        var before = change.Previous is not null && Matches(change.Previous);
        return (before, now) switch
        {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            _ => null,
        };
    }

    private static string? FieldValue(JsonObject obj, string field) =>
        field == "metadata.name" ? ObjectMeta.Name(obj) : ObjectMeta.Namespace(obj);

    private static IReadOnlyList<(string, string, bool)> ParseFields(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        return text.Split(',').Select(term =>
        {
            var (op, at) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and >= 0 ? ("!=", ne)
                : term.IndexOf("==", StringComparison.Ordinal) is var eq and >= 0 ? ("==", eq)
                : ("=", term.IndexOf('='));
            if (at < 0) throw ApiStatus.BadRequest($"invalid field selector: '{term}'");
            var field = term[..at].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
                throw ApiStatus.BadRequest($"field label not supported: {field}");
            return (field, term[(at + op.Length)..].Trim(), op != "!=");
        }).ToList();
    }
}
